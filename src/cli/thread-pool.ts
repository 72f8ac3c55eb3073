/**
 * libuv's thread pool runs every image decode, and its size is fixed from the environment when
 * Node starts (docs/decoding.md), so a program cannot enlarge it for itself. The command can
 * for its own run: it starts itself again with the size set.
 * @module
 */

/**
 * The `UV_THREADPOOL_SIZE` the command should run with, or undefined to run as it is: one
 * decode thread per core on machines with more than libuv's default 4, unless the user set the
 * variable (their choice stands).
 */
export function poolSizeToSet(env: NodeJS.ProcessEnv, cores: number): number | undefined {
  if (env.UV_THREADPOOL_SIZE !== undefined && env.UV_THREADPOOL_SIZE !== '') return undefined;
  return cores > 4 ? cores : undefined;
}

/**
 * The `UV_THREADPOOL_SIZE` of each of `nproc` ranks started by `fastai-ts launch`: the user's
 * value, else the cores shared out, never below libuv's default 4 (the ranks also wait for
 * their collectives on the pool). Always set, so a rank does not start itself again.
 */
export function rankPoolSize(env: NodeJS.ProcessEnv, cores: number, nproc: number): string {
  const own = env.UV_THREADPOOL_SIZE;
  if (own !== undefined && own !== '') return own;
  return String(Math.max(4, Math.floor(cores / nproc)));
}
