import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FONT_FAMILY, lineChart, useBundledFonts } from '../../src/plot/index.js';
import { ROOT } from '../helpers.js';
import { tempDir } from '../data/fixtures.js';

interface Inks {
  fontconfig: string | null;
  caption: { i: number; W: number };
  title: { i: number; W: number };
  stderr: string;
}

/** Runs ink-child.ts in a fresh node with HOME pointed at an empty folder (no ~/.fonts). */
function inks(env: Record<string, string | undefined>, home: string): Inks {
  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, HOME: home, FONTCONFIG_FILE: undefined, FASTAI_TS_SYSTEM_FONTS: undefined, ...env })) if (v !== undefined) childEnv[k] = v;
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'test/plot/ink-child.ts')], { cwd: ROOT, env: childEnv, encoding: 'utf8' });
  assert.equal(r.status, 0, `ink-child failed: ${r.stderr}`);
  return { ...(JSON.parse(r.stdout.trim().split('\n').pop()!) as Inks), stderr: r.stderr };
}

describe('fonts: the bundled Open Sans through fontconfig', () => {
  it('text is drawn with no system fonts: WWWWWWWW has far more ink than iiiiiiii', (t) => {
    const home = tempDir(t);
    const r = inks({}, home);
    assert.match(r.fontconfig ?? '', /fastai-ts-fonts-.*fonts\.conf$/);
    assert.ok(r.caption.i > 0, 'the caption is drawn at all');
    assert.ok(r.caption.W / r.caption.i > 2, `caption ink W ${r.caption.W} vs i ${r.caption.i}`);
    assert.ok(r.title.i > 0, 'the title is drawn at all');
    assert.ok(r.title.W / r.title.i > 2, `title ink W ${r.title.W} vs i ${r.title.i}`);
  });

  it('control: with the opt-out and an empty fontconfig, both lines are empty boxes of equal ink (the test above can fail)', (t) => {
    const dir = tempDir(t);
    const empty = join(dir, 'empty.conf');
    writeFileSync(empty, `<?xml version="1.0"?>\n<fontconfig><cachedir>${join(dir, 'cache')}</cachedir></fontconfig>\n`);
    const r = inks({ FASTAI_TS_SYSTEM_FONTS: '1', FONTCONFIG_FILE: empty }, dir);
    assert.equal(r.fontconfig, empty, 'the opt-out leaves FONTCONFIG_FILE alone');
    const ratio = r.caption.W / r.caption.i;
    assert.ok(ratio > 0.9 && ratio < 1.1, `boxes: caption ink W ${r.caption.W} vs i ${r.caption.i}`);
    const titleRatio = r.title.W / r.title.i;
    assert.ok(titleRatio > 0.9 && titleRatio < 1.1, `boxes: title ink W ${r.title.W} vs i ${r.title.i}`);
  });

  it('when the config cannot be written, drawing still works and a warning says why', (t) => {
    const dir = tempDir(t);
    // A file where the config's folder would go.
    writeFileSync(join(dir, `fastai-ts-fonts-${process.getuid?.() ?? 'user'}`), '');
    const r = inks({ TMPDIR: dir }, dir);
    assert.equal(r.fontconfig, null);
    assert.match(r.stderr, /FontWarning: fastai-ts plot: cannot set up the bundled Open Sans font \(.*\); text uses the system's fonts/);
    assert.equal(r.stderr.match(/FontWarning/g)?.length, 1, 'warned once');
    assert.ok(r.caption.i > 0);
  });

  it('writes a fonts.conf naming only the Open Sans Regular and Bold folders and a cache folder; idempotent', () => {
    const file = useBundledFonts();
    assert.ok(file);
    assert.equal(process.env.FONTCONFIG_FILE, file);
    const text = readFileSync(file, 'utf8');
    const dirs = [...text.matchAll(/<dir>([^<]+)<\/dir>/g)].map((m) => m[1]!);
    assert.equal(dirs.length, 2);
    assert.match(dirs[0]!, /open-sans-fonts[/\\]open-sans[/\\]Regular$/);
    assert.match(dirs[1]!, /open-sans-fonts[/\\]open-sans[/\\]Bold$/);
    assert.match(text, /<cachedir>[^<]+cache<\/cachedir>/);
    assert.equal(useBundledFonts(), file);
  });

  it('every chart names Open Sans as its font family', async () => {
    const svg = await lineChart({ series: [{ name: 'train', x: [1, 2], y: [3, 4] }], title: 'T', xLabel: 'epoch' }).toSVG();
    const families = new Set([...svg.matchAll(/font-family="([^"]+)"/g)].map((m) => m[1]));
    assert.deepEqual([...families], [FONT_FAMILY]);
    assert.match(FONT_FAMILY, /^Open Sans/);
  });
});
