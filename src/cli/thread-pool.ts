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
