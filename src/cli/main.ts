#!/usr/bin/env node
/**
 * The `fastai-ts` command. For now it reports the engine's build; training commands arrive
 * with the Learner.
 */
import { torch } from '../torch/index.js';

const HELP = `Usage: fastai-ts <command>

Commands:
  info     the libtorch build, threads and devices fastai-ts runs on
  help     this text`;

function main(argv: string[]): number {
  const [command = 'help'] = argv;
  switch (command) {
    case 'info':
      console.log(`fastai-ts on libtorch ${torch.version()}`);
      console.log(`intra-op threads: ${torch.getNumThreads()}`);
      console.log(`CUDA: ${torch.cuda.isAvailable() ? `${torch.cuda.deviceCount()} device(s)` : 'not available'}`);
      return 0;
    case 'help':
    case '--help':
    case '-h':
      console.log(HELP);
      return 0;
    default:
      console.error(`fastai-ts: unknown command '${command}'\n\n${HELP}`);
      return 2;
  }
}

process.exitCode = main(process.argv.slice(2));
