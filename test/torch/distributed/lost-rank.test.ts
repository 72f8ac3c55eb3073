import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { torch } from '../../../src/index.js';
import { runRanks } from './ranks.js';

const WORKER = new URL('./workers/lost-rank.ts', import.meta.url).pathname;
/** The group's timeout: a survivor must have failed by then, not hung. */
const TIMEOUT_MS = 20_000;

/** Runs 2 ranks, kills `victim` with SIGKILL once it has printed "step 5", and reports the survivor. */
async function killRank(victim: number) {
  let killedAt = 0;
  let survivorEnded = 0;
  const results = await runRanks(WORKER, [String(TIMEOUT_MS)], {
    worldSize: 2,
    killAfterMs: 3 * TIMEOUT_MS,
    onStart: (rank, child) => {
      if (rank === victim) {
        let seen = '';
        child.stdout!.on('data', (d: Buffer) => {
          seen += d.toString();
          if (!killedAt && /^step 5$/m.test(seen)) {
            killedAt = Date.now();
            child.kill('SIGKILL');
          }
        });
      } else {
        child.on('close', () => (survivorEnded = Date.now()));
      }
    },
  });
  const survivor = results[1 - victim]!;
  return { victimResult: results[victim]!, survivor, killedAt, afterKillMs: survivorEnded - killedAt };
}

describe('a lost rank', { skip: torch.distributed.isAvailable() ? false : torch.distributed.unavailableReason() ?? true }, () => {
  for (const victim of [1, 0]) {
    const survivor = 1 - victim;
    it(`rank ${survivor} fails naming rank ${victim} within the timeout when rank ${victim}${victim === 0 ? ' (the store host)' : ''} is killed mid-loop`, async () => {
      const r = await killRank(victim);
      assert.ok(r.killedAt > 0, `rank ${victim} never reached step 5:\n${r.victimResult.stderr}`);
      assert.equal(r.victimResult.signal, 'SIGKILL');
      assert.equal(r.survivor.code, 1, `rank ${survivor} should exit with 1 (got ${r.survivor.code ?? r.survivor.signal}):\n${r.survivor.stderr}`);
      assert.match(r.survivor.stderr, new RegExp(`^fastai-ts: rank ${survivor} of 2: all-reduce failed: lost contact with rank ${victim}\\b`, 'm'), r.survivor.stderr);
      assert.match(r.survivor.stderr, new RegExp(`^lostRanks: \\[${victim}\\]$`, 'm'));
      assert.ok(r.afterKillMs < TIMEOUT_MS, `rank ${survivor} took ${r.afterKillMs} ms after the kill: past the group's ${TIMEOUT_MS} ms timeout`);
    });
  }
});
