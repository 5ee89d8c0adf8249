import { featuresPerRow, type Dataset } from '../data/types';
import type { FlatModel } from './types';

/** How many of a worker's first training rows fix its batch-norm statistics for evaluation. */
export const CALIBRATION_ROWS = 512;

/**
 * Gives a model with batch norm its fixed calibration rows: the first CALIBRATION_ROWS rows of
 * the training data (all of it when smaller), unaugmented. Every process that evaluates calls
 * this once after creating the model, so equal parameters evaluate equally everywhere (precise
 * BN, docs/models.md). Models without batch norm have no setCalibration: nothing to do.
 */
export function calibrateFromTraining(model: FlatModel, training: Dataset): void {
  if (model.setCalibration === undefined || training.count === 0) return;
  const count = Math.min(CALIBRATION_ROWS, training.count);
  const features = featuresPerRow(training.featureShape);
  model.setCalibration({ x: training.x.subarray(0, count * features), y: training.y.subarray(0, count), count });
}
