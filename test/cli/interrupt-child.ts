// For interrupt.test.ts: listens as a command does during training, says when the first signal
// arrived, and otherwise waits (at most 30 s, then exits with 0).
import { interruptSignal } from '../../src/cli/interrupt.js';

const interrupt = interruptSignal('training');
interrupt.signal.addEventListener('abort', () => console.log('aborted'));
console.log('ready');
setTimeout(() => process.exit(0), 30_000);
