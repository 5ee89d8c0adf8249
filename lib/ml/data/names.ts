// Dataset names on their own, so code that only validates a name does not pull the loaders in.
export const DATASET_NAMES = ['mnist', 'synthetic'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];
