/**
 * A shortened `fastai-ts demo` in a process of its own, for the Ctrl-C test (test/cli/demo.test.ts):
 * the options come as JSON in argv[2]; the exit code is the command's (130 when stopped).
 */
import { runMnistDemo, type MnistDemoOptions } from '../../src/cli/demo/run.js';

const options = JSON.parse(process.argv[2] ?? '{}') as MnistDemoOptions;
const result = await runMnistDemo(options);
process.exitCode = result.stopped ? 130 : 0;
