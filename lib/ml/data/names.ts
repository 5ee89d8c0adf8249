import { CIFAR_TRAIN_COUNT } from './cifar10';

// Dataset names on their own, so code that only validates a name does not pull the loaders in.
export const DATASET_NAMES = ['mnist', 'synthetic', 'cifar10', 'synthetic-images'] as const;
/** Datasets whose training batches get the crop-and-flip augmentation. */
export const AUGMENTED_DATASETS: readonly string[] = ['cifar10', 'synthetic-images'];
export type DatasetName = (typeof DATASET_NAMES)[number];

/** Training rows of each dataset before any --train-samples bound (synthetic ones as made). */
export const TRAIN_ROWS: Readonly<Record<DatasetName, number>> = { mnist: 60_000, synthetic: 4096, cifar10: CIFAR_TRAIN_COUNT, 'synthetic-images': 4096 };

/** How many training rows a run's dataset has before the split, known without loading it. */
export function trainRowCount(name: DatasetName, trainSamples?: number): number {
  return trainSamples ?? TRAIN_ROWS[name];
}
