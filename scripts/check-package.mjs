#!/usr/bin/env node
// Checks the package as a user gets it: packs it, installs the tarball into a fresh project
// (which builds the native addon there), type-checks a strict .mts file that uses the public API
// against the published types (skipLibCheck false, nothing but @types/node), then runs it: the
// book's cross-entropy and one batch of the pets in ../shared/data/pets (skipped, saying so, when
// that folder is missing), and runs the installed `fastai-ts` command. Exits non-zero at the
// first failing step.
//   npm run check:package                 (keeps nothing; KEEP=1 keeps the temporary folder)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const pets = process.env.FASTAI_TS_SHARED ? join(process.env.FASTAI_TS_SHARED, 'data', 'pets') : resolve(root, '..', 'shared', 'data', 'pets');
const work = mkdtempSync(join(tmpdir(), 'fastai-ts-package-'));
const app = join(work, 'app');
const checked = [];

function fail(message) {
  console.error(`\ncheck-package: FAILED: ${message}\n(the temporary project is kept at ${work})`);
  process.exit(1);
}

function run(what, cmd, args, cwd, { echo = true } = {}) {
  console.log(`\n== ${what}\n$ ${[cmd, ...args].join(' ')}   (in ${cwd})`);
  const started = Date.now();
  const r = spawnSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', env: { ...process.env, FASTAI_TS_QUIET: '1' } });
  if (echo) process.stdout.write(r.stdout ?? '');
  if (r.error) fail(`${what}: could not run ${cmd}: ${r.error.message}`);
  if (r.status !== 0) fail(`${what}: ${cmd} exited with ${r.status ?? r.signal}`);
  checked.push(`${what} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return r.stdout ?? '';
}

function walk(dir) {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
}

// 1. Pack (runs `prepare`, which builds dist/).
const packed = JSON.parse(run('npm pack', 'npm', ['pack', '--json', '--pack-destination', work], root, { echo: false }));
const tarball = join(work, packed[0].filename);
const files = packed[0].files.map((f) => f.path);
for (const need of ['dist/src/index.js', 'dist/src/index.d.ts', 'scripts/build-native.mjs', 'CMakeLists.txt', 'native/addon.cc']) {
  if (!files.includes(need)) fail(`the tarball lacks ${need} (check "files" in package.json)`);
}
const stray = files.filter((f) => /^(test|bench|examples|build|node_modules)\//.test(f));
if (stray.length) fail(`the tarball ships files users do not need: ${stray.slice(0, 5).join(', ')}`);
checked.push(`the tarball holds dist/, native/, CMakeLists.txt and the build script, and no tests or build output (${files.length} files)`);

// 2. The published types may import only the package's own files, node: modules and @types/node.
const runtimeDeps = new Set(Object.keys(pkg.dependencies ?? {}));
const leaks = [];
for (const f of walk(join(root, 'dist', 'src')).filter((f) => f.endsWith('.d.ts'))) {
  for (const m of readFileSync(f, 'utf8').matchAll(/(?:from\s+|import\(\s*|reference types=)['"]([^'"]+)['"]/g)) {
    const spec = m[1];
    if (spec.startsWith('.') || spec.startsWith('node:') || spec === 'node' || spec === pkg.name) continue;
    const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
    // A runtime dependency is fine only if it ships its own types (no @types/<name> needed).
    if (!runtimeDeps.has(name) || pkg.devDependencies?.[`@types/${name}`]) leaks.push(`${relative(root, f)} imports '${spec}'`);
  }
}
if (leaks.length) fail(`the published types need packages a user does not get:\n  ${leaks.join('\n  ')}`);
checked.push('the published .d.ts files import nothing that needs a devDependency');

// 3. A fresh project installs the tarball. Its install script must run (it builds the addon):
// npm 11 asks projects to approve install scripts (allowScripts); a local tarball is approved by
// its file: path, a registry install by name ("fastai-ts": true).
mkdirSync(app);
writeFileSync(
  join(app, 'package.json'),
  JSON.stringify({ name: 'fastai-ts-package-check', private: true, type: 'module', allowScripts: { [`file:${tarball}`]: true } }, null, 2),
);
const ts = `typescript@${pkg.devDependencies.typescript}`;
const typesNode = `@types/node@${pkg.devDependencies['@types/node']}`;
run('npm install the tarball (builds the addon)', 'npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--strict-allow-scripts', tarball, ts, typesNode], app);
const installed = join(app, 'node_modules', 'fastai-ts');
const addon = join(installed, 'build', 'Release', 'fastai_ts.node');
if (!existsSync(addon)) fail(`the install script did not build ${addon}`);
checked.push(`the install script built ${relative(app, addon)}`);
if (existsSync(join(installed, 'node_modules', 'cmake-js'))) console.log('(note: npm nested cmake-js instead of hoisting it)');

// 4. A strict .mts using the public API type-checks against the published types, then runs.
writeFileSync(join(app, 'check.mts'), `
import {
  torch, F, nn, DataBlock, ImageBlock, CategoryBlock, getImageFiles, RandomSplitter, RegexLabeller,
  usingAttr, Resize, augTransforms, type DataLoaders, type Tensor,
} from 'fastai-ts';
import { existsSync } from 'node:fs';

torch.manualSeed(42);
const acts: Tensor = torch.randn([6, 2]).mul(2);
const loss: number = F.crossEntropy(acts, torch.tensor([0, 1, 0, 1, 1, 0])).item();
if (loss.toFixed(4) !== '1.8045') throw new Error(\`cross-entropy: got \${loss}, the book has 1.8045\`);
console.log(\`cross-entropy \${loss.toFixed(4)} (the book's 1.8045)\`);

const model = new nn.Sequential(new nn.Conv2d(3, 16, 3, { padding: 1 }), new nn.ReLU(),
  new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.Linear(16, 2));
const out: number[] = torch.tidy(() => model.call(torch.randn([2, 3, 8, 8])).shape);
if (out.join() !== '2,2') throw new Error(\`model output shape \${out.join()}, expected 2,2\`);

const path = process.argv[2] ?? '';
if (!existsSync(path)) {
  console.log(\`SKIPPED the pets batch: \${path || '(no path)'} is missing (the shared data folder beside the checkout)\`);
} else {
  const files = getImageFiles(path);
  const pets = new DataBlock({
    blocks: [ImageBlock(), CategoryBlock()],
    getItems: getImageFiles,
    splitter: RandomSplitter({ seed: 42 }),
    getY: usingAttr(RegexLabeller(/(.+)_\\d+\\.jpg$/), 'name'),
    itemTfms: Resize(460),
    batchTfms: augTransforms({ size: 224, minScale: 0.75 }),
  });
  const dls: DataLoaders = await pets.dataloaders(path, { bs: 8 });
  const [x, y] = await dls.train.oneBatch();
  if (x.shape.join() !== '8,3,224,224' || y.shape.join() !== '8') throw new Error(\`pets batch shapes \${x.shape} and \${y.shape}\`);
  console.log(\`pets: \${files.length} files, \${dls.vocab.length} classes, a batch of \${x.shape.join('x')} \${x.dtype}\`);
  x.dispose();
  y.dispose();
}
`);
run(
  'type-check check.mts (strict, skipLibCheck false, types: node only)',
  join(app, 'node_modules', '.bin', 'tsc'),
  ['--strict', '--skipLibCheck', 'false', '--module', 'nodenext', '--target', 'es2022', '--types', 'node', '--noEmitOnError', '--outDir', 'out', 'check.mts'],
  app,
);
const ran = run('run the example', process.execPath, [join('out', 'check.mjs'), pets], app);
checked.push(...ran.trim().split('\n').map((l) => `  ${l}`));

// 5. The command line a user gets with the package.
const bin = join(app, 'node_modules', '.bin', 'fastai-ts');
const help = run('the fastai-ts command: --help', bin, ['--help'], app, { echo: false });
for (const c of ['train', 'predict', 'interpret', 'demo']) if (!new RegExp(`\\n  ${c} `).test(help)) fail(`fastai-ts --help does not list '${c}'`);
const info = run('the fastai-ts command: info', bin, ['info'], app);
if (!/fastai-ts on libtorch \d/.test(info)) fail('fastai-ts info did not print the libtorch version');

console.log(`\ncheck-package: OK (${pkg.name}@${pkg.version}, ${packed[0].filename})\n  ${checked.join('\n  ')}`);
if (process.env.KEEP) console.log(`kept ${work}`);
else rmSync(work, { recursive: true, force: true });
