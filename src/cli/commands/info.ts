/** `fastai-ts info`: what fastai-ts runs on. */
import { torch } from '../../torch/index.js';
import { decodeThreads } from '../../vision/decode-threads.js';

export function info(): number {
  console.log(`fastai-ts on libtorch ${torch.version()}`);
  console.log(`intra-op threads: ${torch.getNumThreads()}`);
  console.log(`decode threads (libuv pool): ${decodeThreads()}`);
  console.log(`CUDA: ${torch.cuda.isAvailable() ? `${torch.cuda.deviceCount()} device(s)` : 'not available'}`);
  return 0;
}
