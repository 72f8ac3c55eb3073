#!/usr/bin/env node
// Builds the native addon (native/) against the first libtorch found:
//   1. $LIBTORCH (an unpacked libtorch archive) or $Torch_DIR (a folder holding TorchConfig.cmake)
//   2. Debian/Ubuntu's libtorch-dev (/usr/lib/<arch>/cmake/Torch)
//   3. a pip-installed torch (python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
// Skips the build when build/Release/fastai_ts.node is newer than every native source,
// unless --force is given.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = join(root, 'native');
const output = join(root, 'build', 'Release', 'fastai_ts.node');
const force = process.argv.includes('--force');

function upToDate() {
  if (!existsSync(output)) return false;
  const built = statSync(output).mtimeMs;
  const sources = [join(root, 'CMakeLists.txt'), ...readdirSync(nativeDir).map((f) => join(nativeDir, f))];
  return sources.every((f) => statSync(f).mtimeMs < built);
}

function hasConfig(dir) {
  return dir && existsSync(join(dir, 'TorchConfig.cmake'));
}

function findTorch() {
  const tried = [];
  const candidates = [];
  if (process.env.LIBTORCH) candidates.push(['$LIBTORCH', join(process.env.LIBTORCH, 'share', 'cmake', 'Torch')]);
  if (process.env.Torch_DIR) candidates.push(['$Torch_DIR', process.env.Torch_DIR]);
  if (existsSync('/usr/lib')) {
    for (const d of readdirSync('/usr/lib')) {
      if (d.endsWith('-linux-gnu')) candidates.push(['libtorch-dev', join('/usr/lib', d, 'cmake', 'Torch')]);
    }
  }
  for (const [source, dir] of candidates) {
    if (hasConfig(dir)) return { source, dir };
    tried.push(`${source}: ${dir}`);
  }
  try {
    const prefix = execFileSync('python3', ['-c', 'import torch; print(torch.utils.cmake_prefix_path)'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    const dir = join(prefix, 'Torch');
    if (hasConfig(dir)) return { source: 'pip torch', dir };
    tried.push(`pip torch: ${dir}`);
  } catch {
    tried.push('pip torch: python3 cannot import torch');
  }
  return { tried };
}

if (!force && upToDate()) {
  console.log('fastai-ts: native addon is up to date (npm run build:native rebuilds it)');
  process.exit(0);
}

const torch = findTorch();
if (!torch.dir) {
  console.error(`
fastai-ts needs libtorch (PyTorch's C++ library) to build its native addon, and none was found.
Looked in:
  ${torch.tried.join('\n  ')}
Get one, then run npm install again:
  Debian/Ubuntu:  sudo apt-get install libtorch-dev cmake g++
  elsewhere:      pip install torch            (found automatically through python3)
             or:  unpack the libtorch archive from pytorch.org and set LIBTORCH=/path/to/libtorch
`);
  process.exit(1);
}

console.log(`fastai-ts: building the native addon against ${torch.source} (${torch.dir})`);
// Through Node's resolution, not a path: when fastai-ts is installed as a dependency, npm hoists
// cmake-js (and node-addon-api) to the user's node_modules, beside this package rather than inside it.
const require = createRequire(import.meta.url);
let cmakeJs;
try {
  cmakeJs = join(dirname(require.resolve('cmake-js/package.json')), 'bin', 'cmake-js');
} catch (e) {
  console.error(`fastai-ts: cannot find cmake-js (a dependency of fastai-ts) from ${root}: ${e.message}
Reinstall the package (npm install) so that its dependencies are present.`);
  process.exit(1);
}
const args = [
  cmakeJs, 'build',
  '--directory', root,
  '--out', join(root, 'build'),
  '--config', 'Release',
  '--parallel', String(availableParallelism()),
  `--CDTorch_DIR=${torch.dir}`,
  '--log-level', 'warn',
];
const result = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root });
if (result.status !== 0) {
  console.error('fastai-ts: the native build failed (see the compiler output above).');
  process.exit(result.status ?? 1);
}
if (!existsSync(output)) {
  console.error(`fastai-ts: the build finished but ${output} is missing.`);
  process.exit(1);
}
console.log(`fastai-ts: built ${output}`);
