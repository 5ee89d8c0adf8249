// Dataset names on their own, so code that only validates a name does not pull the loaders in.
export const DATASET_NAMES = ['mnist', 'synthetic', 'cifar10', 'synthetic-images'] as const;
/** Datasets whose training batches get the crop-and-flip augmentation. */
export const AUGMENTED_DATASETS: readonly string[] = ['cifar10', 'synthetic-images'];
export type DatasetName = (typeof DATASET_NAMES)[number];
