/**
 * Deferred enlargement, vision's side of presizing. When the batch transforms will resample the
 * batch anyway (the composed augmentation), an image that the item transforms would enlarge
 * (a photo smaller than the `Resize` target) is decoded at its own size instead: ImageBlock
 * collates it into the top-left of the batch tensor and attaches a {@link ResamplePlan} saying
 * what each item stands for, and the augmentation's one `gridSample` does the enlargement too.
 * No upsampling on the CPU, and one resample instead of two.
 *
 * The data layer carries the plan without knowing what it is: as the image tensor's layout
 * (`Collated.layout`), kept through pointwise transforms and handed to the first other one.
 * So items may defer only when that first non-pointwise batch transform honours a plan.
 * @module
 */
import type { BatchTransform } from '../data/transform.js';

/** A batch transform that resamples images and honours a {@link ResamplePlan} in `ctx.layouts` (the composed augmentation). */
export interface PlanResampler extends BatchTransform {
  readonly resamplesPlan: true;
}

type HW = readonly [height: number, width: number];

/**
 * Images of a batch collated before their final enlargement: item i's pixels fill the top-left
 * `sizes[i]` ([height, width]) of the batch tensor and stand for the image enlarged to
 * `target` ([height, width]).
 */
export class ResamplePlan {
  constructor(
    readonly target: HW,
    readonly sizes: readonly HW[],
  ) {}

  /** What `summary()` prints: the decoded sizes and what they stand for. */
  toString(): string {
    const counts = new Map<string, number>();
    for (const [h, w] of this.sizes) counts.set(`${h}x${w}`, (counts.get(`${h}x${w}`) ?? 0) + 1);
    const sizes = [...counts].map(([k, c]) => (c > 1 ? `${c} at ${k}` : k)).join(', ');
    return `images at their decoded size, ${sizes}, stand for ${this.target[0]}x${this.target[1]}: the batch resample enlarges them`;
  }
}

/** The plan in a batch context's layout slot, if that slot holds one. */
export function planOf(layout: unknown): ResamplePlan | undefined {
  return layout instanceof ResamplePlan ? layout : undefined;
}

const decisions = new WeakMap<readonly BatchTransform[], boolean>();

/**
 * Whether items may leave their enlargement to the batch: the first batch transform that is not
 * pointwise honours a resample plan (none before it sees the not-yet-enlarged layout). Decided
 * once per pipeline (its sorted transform list), not per sample.
 */
export function canDeferEnlarge(batchTfms: readonly BatchTransform[]): boolean {
  let decision = decisions.get(batchTfms);
  if (decision === undefined) {
    const first = batchTfms.find((t) => !t.pointwise);
    decision = (first as Partial<PlanResampler> | undefined)?.resamplesPlan === true;
    decisions.set(batchTfms, decision);
  }
  return decision;
}
