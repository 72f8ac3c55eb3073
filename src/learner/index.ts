/**
 * The learner layer: the training loop and its callbacks, fastai's optimizers, schedules,
 * losses and metrics, `visionLearner`, and saving, exporting and predicting.
 * @module
 */
export {
  Callback, CancelBackward, CancelBatch, CancelEpoch, CancelException, CancelFit, CancelStep, CancelTrain, CancelValid,
  EVENTS, snakeName, type EventName, type HandlerResult,
} from './callback.js';
export { Learner, type FitOptions, type LearnerOptions } from './learner.js';
export { fineTune, fitFlatCos, fitOneCycle, fitSgdr, type FineTuneOptions, type FitFlatCosOptions, type FitOneCycleOptions, type FitSgdrOptions } from './fit-recipes.js';
export { visionLearner, type VisionLearnerOptions } from './vision-learner.js';
export { exportLearner, loadLearner, type LoadLearnerOptions } from './load-learner.js';
export { EXPORT_FORMAT, EXPORT_VERSION, readExport, readExportMeta, writeExport, type ExportMeta, type ExportParts, type LoadedExport, type ReadExportOptions } from './export.js';
export { getPreds, predict, type GetPredsOptions, type Prediction, type Preds } from './inference.js';
export { CHECKPOINT_FORMAT, CHECKPOINT_VERSION, type LoadOptions, type SaveOptions } from './persistence.js';
export * from './optimizer.js';
export {
  adamStep, averageGrad, averageSqrGrad, debias, hyper, l2Reg, lambStep, momentumStep, radamStep, rmsPropStep, sgdStep, stepStat, weightDecay,
} from './steppers.js';
export * from './schedule.js';
export * from './losses.js';
export * from './cross-entropy.js';
export * from './plots.js';
export * from './metrics.js';
export { ChannelsLast } from './callbacks/channels-last.js';
export { CSVLogger } from './callbacks/csv-logger.js';
export { DistributedTrainer, numDistrib, rankDistrib, type DistributedOptions } from './callbacks/distributed-trainer.js';
export { EarlyStoppingCallback, type EarlyStoppingOptions } from './callbacks/early-stopping.js';
export { GradientAccumulation } from './callbacks/gradient-accumulation.js';
export { clipGradNorm_, GradientClip } from './callbacks/gradient-clip.js';
export {
  LRFinder, lrFind, minimum, slide, steep, valley, type LRFinderOptions, type LrFindOptions, type LrFindRecord, type LrFindResult, type SuggestFunc, type Suggestion,
} from './callbacks/lr-finder.js';
export { GradScaler, MixedPrecision, type GradScalerOptions, type MixedPrecisionOptions } from './callbacks/mixed-precision.js';
export { ParamScheduler, type HyperSchedule } from './callbacks/param-scheduler.js';
export { formatCell, formatTime, ProgressCallback, type ProgressCallbackOptions } from './callbacks/progress.js';
export { Recorder, type EpochLog, type FitRecord } from './callbacks/recorder.js';
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from './callbacks/reduce-lr-on-plateau.js';
export { SaveModelCallback, type SaveModelOptions } from './callbacks/save-model.js';
export { TerminateOnNaNCallback } from './callbacks/terminate-on-nan.js';
export { defaultComp, TrackerCallback, type TrackerOptions } from './callbacks/tracker.js';
export { TrainEvalCallback } from './callbacks/train-eval.js';
