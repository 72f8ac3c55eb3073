/**
 * TrainEvalCallback: keeps the training counters and switches the model between training and
 * evaluation mode (fastai's, always present).
 * @module
 */
import { Callback } from '../callback.js';

/** Counts training progress (`pctTrain`, `trainIter`) and sets `model.train()`/`model.eval()` per phase. */
export class TrainEvalCallback extends Callback {
  override order = -10;
  override runValid = false;

  override beforeFit(): void {
    const learn = this.learn;
    learn.epoch = 0;
    learn.pctTrain = 0;
    learn.trainIter = 0;
  }

  override beforeTrain(): void {
    const learn = this.learn;
    learn.pctTrain = learn.epoch / learn.nEpoch;
    learn.model.train();
    learn.training = true;
  }

  override afterBatch(): void {
    const learn = this.learn;
    learn.pctTrain += 1 / (learn.nIter * learn.nEpoch);
    learn.trainIter += 1;
  }

  override beforeValidate(): void {
    this.learn.model.eval();
    this.learn.training = false;
  }
}
