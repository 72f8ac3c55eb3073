// A rank for launch.test.ts: prints one JSON line with its pid and the launcher's variables,
// then as the first argument says: 'exit' (code 0), 'wait' (until a signal, at most 60 s),
// or 'fail <file>' (rank 0 writes the file and waits; rank 1 exits with code 3 once it exists,
// so rank 0 has reported before it is stopped).
import { existsSync, writeFileSync } from 'node:fs';

const mode = process.argv[2] ?? 'exit';
const names = ['RANK', 'LOCAL_RANK', 'WORLD_SIZE', 'LOCAL_WORLD_SIZE', 'GROUP_RANK', 'GROUP_WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT', 'OMP_NUM_THREADS', 'UV_THREADPOOL_SIZE'];
const env = Object.fromEntries(names.map((n) => [n, process.env[n]]));
console.log(JSON.stringify({ pid: process.pid, args: process.argv.slice(3), env }));
if (mode === 'fail' && process.env.RANK === '0') writeFileSync(process.argv[3]!, 'started');
if (mode === 'fail' && process.env.RANK === '1') setInterval(() => existsSync(process.argv[3]!) && process.exit(3), 20);
if (mode !== 'exit') setTimeout(() => process.exit(0), 60_000);
