/**
 * The training report: `writeReport(learn, file)` and `learn.report(file)`, one self-contained
 * HTML page about a run (see docs/report.md).
 *
 * `learn.report` is added to the Learner here, above it, the way fastai adds methods to
 * `Learner` from later modules with `@patch`: the learner layer knows nothing of reports
 * (layers import only downward), and loading this module (src/index.ts does) adds the method.
 * TypeScript learns of it through declaration merging.
 * @module
 */
import { Learner } from '../learner/learner.js';
import { type ReportOptions, writeReport } from './report.js';

export { writeReport, type ReportOptions } from './report.js';
export { derivedSettings, mergeSettings, type SettingsGroup, type SettingValue } from './settings.js';

declare module '../learner/learner.js' {
  interface Learner {
    /**
     * Writes the run's HTML report to `file` and returns its absolute path: {@link writeReport}
     * on this Learner (added by the report module, as fastai's `@patch` adds methods).
     * @example
     * await learn.fineTune(2);
     * await learn.report('report.html', { notes: ['first try'] });
     */
    report(file: string, options?: ReportOptions): Promise<string>;
  }
}

Learner.prototype.report = function report(this: Learner, file: string, options: ReportOptions = {}): Promise<string> {
  return writeReport(this, file, options);
};
