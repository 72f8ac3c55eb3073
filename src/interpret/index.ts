/**
 * Interpretation of a trained classifier (fastai's `ClassificationInterpretation`): confusion
 * matrix, most confused pairs, top losses and the classification report, drawn through src/plot.
 * @module
 */
export {
  ClassificationInterpretation,
  type FromLearnerOptions, type InterpretationData, type PlotConfusionMatrixOptions, type PlotTopLossesOptions, type TopLosses, type TopLossesOptions,
} from './classification-interpretation.js';
export { formatReport, reportFromMatrix, type ClassificationReport, type ClassScores } from './classification-report.js';
