/**
 * bench:soak: memory over a long run. Iterates the pets training loader (Resize(256),
 * augTransforms({ size: 224 }), bs 32, on the CPU) for 50 epochs and prints, per epoch, the
 * process RSS, the JS heap, the engine's live tensors and the header cache. Target (issue 7):
 * RSS after epoch 50 within 5% of RSS after epoch 10.
 *
 * SOAK_EPOCHS (default 50; BENCH_QUICK=1: 3) sets the length. Run it under different allocator
 * settings to compare, e.g. `FASTAI_TS_MALLOC=system npm run bench:soak` (glibc's defaults) or
 * `GLIBC_TUNABLES=glibc.malloc.arena_max=8 npm run bench:soak`. Results: stdout and
 * bench/results/soak.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { torch } from '../src/index.js';
import { CategoryBlock, DataBlock, getImageFiles, RandomSplitter, RegexLabeller, threadPoolSize, usingAttr } from '../src/data/index.js';
import { augTransforms, ImageBlock, Resize } from '../src/vision/index.js';
import { headerCacheSize } from '../src/vision/image-source.js';
import { cpuModel, printTable } from './lib/stats.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DATA = process.env.FASTAI_TS_SHARED ? join(process.env.FASTAI_TS_SHARED, 'data') : join(ROOT, '..', 'shared', 'data');
const quick = process.env.BENCH_QUICK === '1';
const epochs = Number(process.env.SOAK_EPOCHS ?? (quick ? 3 : 50));
const MB = 2 ** 20;

/**
 * Resident MB by kind of mapping (Linux): glibc's main arena ([heap], grown with brk), other
 * anonymous memory (thread arenas, V8's heap, mmapped blocks) and files (libraries).
 */
function residentByKind(): { heap: number; anon: number; files: number } {
  const out = { heap: 0, anon: 0, files: 0 };
  let smaps: string;
  try {
    smaps = readFileSync('/proc/self/smaps', 'utf8');
  } catch {
    return out;
  }
  let kind: keyof typeof out = 'anon';
  for (const line of smaps.split('\n')) {
    const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (header) kind = header[1] === '[heap]' ? 'heap' : header[1]!.startsWith('/') ? 'files' : 'anon';
    else if (line.startsWith('Rss:')) out[kind] += Number(line.split(/\s+/)[1]) / 1024;
  }
  return out;
}

const pets = new DataBlock<string>({
  blocks: [ImageBlock(), CategoryBlock()],
  getItems: getImageFiles,
  splitter: RandomSplitter({ seed: 42 }),
  getY: usingAttr(RegexLabeller(/(.+)_\d+.jpg$/), 'name'),
  itemTfms: Resize(256),
  batchTfms: augTransforms({ size: 224 }),
});
const dls = await pets.dataloaders(join(DATA, 'pets'), { bs: 32, seed: 1, device: 'cpu' });
const settings = [
  `FASTAI_TS_MALLOC=${process.env.FASTAI_TS_MALLOC ?? '(unset)'}`,
  `GLIBC_TUNABLES=${process.env.GLIBC_TUNABLES ?? '(unset)'}`,
  `UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? '(unset)'}`,
].join(', ');
console.log(`bench:soak: ${epochs} epochs of the pets training loader (${dls.train.n} images, bs 32, Resize(256), augTransforms 224)`);
console.log(`CPU ${cpuModel()}, ${availableParallelism()} cores; libuv pool threads ${threadPoolSize()}; ${settings}`);

const rows: { epoch: number; rssMB: number; mainArenaMB: number; otherAnonMB: number; heapMB: number; buffersMB: number; vipsMB: number; liveTensors: number; headers: number; secs: number }[] = [];
for (let e = 1; e <= epochs; e++) {
  const t = performance.now();
  for await (const [x, y] of dls.train) torch.dispose([x!, y!]);
  const m = process.memoryUsage();
  // arrayBuffers: Node Buffers not yet collected (sharp's outputs); vips: libvips' own tracked memory (its cache is off)
  const r = residentByKind();
  const row = { epoch: e, rssMB: m.rss / MB, mainArenaMB: r.heap, otherAnonMB: r.anon, heapMB: m.heapUsed / MB, buffersMB: m.arrayBuffers / MB, vipsMB: sharp.cache().memory.current, liveTensors: torch.memory().liveTensors, headers: headerCacheSize(), secs: (performance.now() - t) / 1000 };
  rows.push(row);
  console.log(`epoch ${String(e).padStart(2)}  RSS ${row.rssMB.toFixed(0).padStart(4)} MB ([heap] ${row.mainArenaMB.toFixed(0).padStart(4)}, other anon ${row.otherAnonMB.toFixed(0).padStart(4)})  JS heap ${row.heapMB.toFixed(1).padStart(5)} MB  buffers ${row.buffersMB.toFixed(1).padStart(5)} MB  vips ${row.vipsMB} MB  live tensors ${row.liveTensors}  headers ${row.headers}  ${row.secs.toFixed(1)} s`);
}

const at = (e: number) => rows[Math.min(e, rows.length) - 1]!;
const ref = at(10);
const last = at(epochs);
const growth = last.rssMB / ref.rssMB - 1;
console.log('');
printTable(['after epoch', 'RSS MB', 'glibc main arena MB', 'other anonymous MB', 'JS heap MB', 'live tensors'], [1, 5, 10, 20, 30, 40, 50].filter((e) => e <= epochs).map((e) => [e, at(e).rssMB.toFixed(0), at(e).mainArenaMB.toFixed(0), at(e).otherAnonMB.toFixed(0), at(e).heapMB.toFixed(1), at(e).liveTensors]));
console.log(`\nRSS after epoch ${last.epoch} vs after epoch ${ref.epoch}: ${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)}% (target within 5%)`);

mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
writeFileSync(join(ROOT, 'bench', 'results', 'soak.json'), `${JSON.stringify({ cpu: cpuModel(), settings, rows, growth }, null, 2)}\n`);
