/** `fastai-ts info`: what fastai-ts runs on, and the architectures it knows. */
import type { Command } from 'commander';
import { archNames, getArch, torch } from '../../index.js';
import { decodeThreads } from '../../vision/decode-threads.js';

export function info(): number {
  console.log(`fastai-ts on libtorch ${torch.version()}`);
  console.log(`intra-op threads: ${torch.getNumThreads()}`);
  console.log(`decode threads (libuv pool): ${decodeThreads()}`);
  console.log(`CUDA: ${torch.cuda.isAvailable() ? `${torch.cuda.deviceCount()} device(s)` : 'not available'}`);
  console.log('architectures (--arch):');
  for (const name of archNames()) console.log(`  ${name.padEnd(20)} ${getArch(name).description}`);
  return 0;
}

export function define(program: Command): Command {
  return program
    .command('info')
    .description('the libtorch build, threads and devices fastai-ts runs on, and the architectures it knows')
    .action(() => {
      process.exitCode = info();
    });
}
