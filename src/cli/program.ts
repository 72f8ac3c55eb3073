/**
 * The `fastai-ts` program: global flags and every command (one file each under `commands/`).
 * @module
 */
import { Command } from 'commander';
import { fastaiTsVersion } from '../learner/export.js';
import * as demo from './commands/demo.js';
import * as info from './commands/info.js';
import * as launch from './commands/launch.js';
import * as interpret from './commands/interpret.js';
import * as lrFind from './commands/lr-find.js';
import * as predict from './commands/predict.js';
import * as showBatch from './commands/show-batch.js';
import * as summary from './commands/summary.js';
import * as train from './commands/train.js';
import { addGlobalFlags } from './flags.js';

/** The program with every command, ready to parse (errors throw instead of exiting). */
export function program(): Command {
  const p = addGlobalFlags(
    new Command('fastai-ts')
      .description("fastai's image-classification workflow on libtorch: label, train, interpret, predict")
      .version(fastaiTsVersion()),
  )
    .showHelpAfterError('(add --help for the options)')
    .exitOverride();
  for (const cmd of [demo, train, lrFind, summary, showBatch, interpret, predict, info, launch]) cmd.define(p).exitOverride();
  return p;
}
