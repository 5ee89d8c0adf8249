import { loadMnist } from './mnist';
import { makeSyntheticSplit } from './synthetic';
import { DATASET_NAMES, type DatasetName } from './names';
import type { Dataset } from './types';

// The datasets a run can name. Synthetic data is small and learnable in seconds: tests use it.


export function loadDataset(name: DatasetName, seed: number): { train: Dataset; test: Dataset } {
  switch (name) {
    case 'mnist':
      return loadMnist();
    case 'synthetic':
      return makeSyntheticSplit({ features: 32, numClasses: 4, trainCount: 4096, testCount: 1024, seed, noise: 1.5, name: 'synthetic' });
    default:
      throw new Error(`unknown dataset "${name as string}"; known: ${DATASET_NAMES.join(', ')}`);
  }
}
