import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./interrupt-child.ts', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Control {
  child: ChildProcess;
  /** Resolves once the output matches. */
  waitFor(re: RegExp): Promise<void>;
  exited(): boolean;
}

/** Starts the child; once it is ready, `act` sends it signals; resolves with its exit code and output. */
function run(env: NodeJS.ProcessEnv, act: (c: Control) => Promise<void>) {
  return new Promise<{ code: number | null; out: string }>((resolve) => {
    const e = { ...process.env, ...env };
    for (const [k, v] of Object.entries(e)) if (v === undefined) delete e[k];
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD], { env: e });
    let out = '';
    let done = false;
    const waiters: [RegExp, () => void][] = [];
    const onOut = (d: Buffer) => {
      out += d.toString();
      for (const w of waiters.splice(0)) {
        if (w[0].test(out)) w[1]();
        else waiters.push(w);
      }
    };
    child.stdout.on('data', onOut);
    child.stderr.on('data', onOut);
    const control: Control = { child, exited: () => done, waitFor: (re) => new Promise((ok) => (re.test(out) ? ok() : waiters.push([re, ok]))) };
    void control.waitFor(/^ready$/m).then(() => act(control));
    child.on('close', (code) => {
      done = true;
      resolve({ code, out });
    });
  });
}

describe('Ctrl-C during training', () => {
  it('the first stops gracefully, a second exits at once', async () => {
    const r = await run({ LOCAL_RANK: undefined }, async ({ child, waitFor }) => {
      child.kill('SIGINT');
      await waitFor(/^aborted$/m);
      child.kill('SIGINT');
    });
    assert.equal(r.code, 130, r.out);
    assert.match(r.out, /stopping training after the current batch/);
    assert.match(r.out, /Ctrl-C again: exiting now/);
  });

  it('under a launcher, the same Ctrl-C arriving twice (from the terminal and the launcher) is one press', async () => {
    let survivedDouble = false;
    const r = await run({ LOCAL_RANK: '0' }, async ({ child, waitFor, exited }) => {
      child.kill('SIGINT');
      await waitFor(/^aborted$/m);
      child.kill('SIGINT'); // the same press, forwarded
      await sleep(1000);
      survivedDouble = !exited();
      child.kill('SIGINT'); // a second press
    });
    assert.ok(survivedDouble, `the doubled Ctrl-C ended the rank:\n${r.out}`);
    assert.equal(r.out.match(/^aborted$/gm)?.length, 1, r.out);
    assert.match(r.out, /Ctrl-C again: exiting now/);
    assert.equal(r.code, 130, r.out);
  });
});
