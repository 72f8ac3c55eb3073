/**
 * Callbacks: the Learner's training loop announces fastai's events, in order, to every
 * callback that handles them, and callbacks change what happens by reading and writing the
 * Learner (its batch, predictions, loss, optimizer) or by throwing a cancel exception.
 * @module
 */
import type { Learner } from './learner.js';

/**
 * fastai's events, in the order one epoch meets them:
 * `beforeFit`, then per epoch `beforeEpoch`, `beforeTrain`, per batch `beforeBatch`, `afterPred`,
 * `afterLoss`, `beforeBackward`, `afterBackward`, `beforeStep`, `afterStep`, `afterBatch`;
 * `afterTrain`, `beforeValidate`, the validation batches (`beforeBatch` ... `afterLoss`,
 * `afterBatch`), `afterValidate`, `afterEpoch`; finally `afterFit`. Each `afterCancelX` runs
 * when a {@link CancelBatch}-style exception stopped phase X, before its `afterX`.
 */
export const EVENTS = [
  'beforeFit', 'beforeEpoch', 'beforeTrain', 'beforeBatch', 'afterPred', 'afterLoss',
  'beforeBackward', 'afterBackward', 'beforeStep', 'afterStep', 'afterCancelBatch', 'afterBatch',
  'afterCancelTrain', 'afterTrain', 'beforeValidate', 'afterCancelValidate', 'afterValidate',
  'afterCancelEpoch', 'afterEpoch', 'afterCancelFit', 'afterFit',
  'afterCancelBackward', 'afterCancelStep',
] as const;

/** One of {@link EVENTS}. */
export type EventName = (typeof EVENTS)[number];

/** What an event handler may return: nothing, or a promise the loop waits for. */
export type HandlerResult = void | Promise<void>;

/**
 * Base of every callback (fastai's `Callback`). Override the events you need; each may be
 * async. `learn` is set when the callback is added to a Learner.
 *
 * @example
 * class PrintLoss extends Callback {
 *   override afterBatch() { if (this.learn.training) console.log(this.learn.lossValue); }
 * }
 * await learn.fit(1, 1e-3, { cbs: [new PrintLoss()] });
 */
export abstract class Callback {
  /** Callbacks run in ascending order (ties keep the order they were added in). Default 0. */
  order = 0;
  /** Whether this callback's batch events run during training batches. Default true. */
  runTrain = true;
  /** Whether this callback's batch events run during validation batches. Default true. */
  runValid = true;
  #learn: Learner | undefined;

  /** The Learner this callback is attached to. */
  get learn(): Learner {
    if (!this.#learn) throw new Error(`${this.constructor.name}: not attached to a Learner yet (pass it in cbs or call learn.addCb)`);
    return this.#learn;
  }

  set learn(learn: Learner) {
    this.#learn = learn;
  }

  /**
   * The name the Learner knows it by (fastai's `Callback.name`): the class name without a
   * `Callback` suffix, in snake_case: `Recorder` -> `recorder`, `ProgressCallback` -> `progress`.
   */
  get name(): string {
    return snakeName(this.constructor.name.replace(/Callback$/, ''));
  }

  beforeFit?(): HandlerResult;
  beforeEpoch?(): HandlerResult;
  beforeTrain?(): HandlerResult;
  beforeBatch?(): HandlerResult;
  afterPred?(): HandlerResult;
  afterLoss?(): HandlerResult;
  beforeBackward?(): HandlerResult;
  afterBackward?(): HandlerResult;
  beforeStep?(): HandlerResult;
  afterStep?(): HandlerResult;
  afterCancelBatch?(): HandlerResult;
  afterBatch?(): HandlerResult;
  afterCancelTrain?(): HandlerResult;
  afterTrain?(): HandlerResult;
  beforeValidate?(): HandlerResult;
  afterCancelValidate?(): HandlerResult;
  afterValidate?(): HandlerResult;
  afterCancelEpoch?(): HandlerResult;
  afterEpoch?(): HandlerResult;
  afterCancelFit?(): HandlerResult;
  afterFit?(): HandlerResult;
  afterCancelBackward?(): HandlerResult;
  afterCancelStep?(): HandlerResult;
}

/** `CamelCase` -> `camel_case` (fastai's display names). */
export function snakeName(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z])([A-Z][a-z])/g, '$1_$2').toLowerCase();
}

/** Base of the cancel exceptions: thrown by a callback, caught by the loop at its phase. */
export class CancelException extends Error {
  constructor(message?: string) {
    super(message);
    this.name = new.target.name;
  }
}
/** Skips the rest of this batch (`afterCancelBatch`, then `afterBatch` run). */
export class CancelBatch extends CancelException {}
/** Skips this batch's backward pass (and so its step). */
export class CancelBackward extends CancelException {}
/** Skips this batch's optimizer step (the gradients are still zeroed). */
export class CancelStep extends CancelException {}
/** Ends this epoch's training phase; validation still runs. */
export class CancelTrain extends CancelException {}
/** Ends this epoch's validation phase. */
export class CancelValid extends CancelException {}
/** Ends this epoch (no validation if it was still training); the next epoch starts. */
export class CancelEpoch extends CancelException {}
/** Ends training; `afterCancelFit` and `afterFit` still run (saving, reports). */
export class CancelFit extends CancelException {}
