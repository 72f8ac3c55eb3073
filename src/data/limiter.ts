/**
 * A FIFO limit on concurrent asynchronous work: the loader uses it to keep at most
 * `numWorkers` samples loading at once, started in the order they were asked for.
 * @module
 */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  /** @param limit how many tasks may run at once (at least 1) */
  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`Limiter: limit must be a positive integer, got ${limit}`);
  }

  /** Runs `task` when a slot is free; resolves with its result. */
  async run<T>(task: () => Promise<T> | T): Promise<T> {
    // A finishing task hands its slot straight to the next waiter, so the limit is never exceeded.
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
