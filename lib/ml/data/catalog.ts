import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { deriveSeed, shuffledIndices } from '../random';
import { CIFAR_TEST_COUNT, CIFAR_TRAIN_COUNT, loadCifar10 } from './cifar10';
import { loadMnist } from './mnist';
import { AUGMENTED_DATASETS, DATASET_NAMES, TRAIN_ROWS, type DatasetName } from './names';
import { takeRows } from './shards';
import { makeSyntheticSplit } from './synthetic';
import { makeSyntheticImages } from './synthetic-images';
import type { Dataset } from './types';

// The datasets a run can name. Synthetic data is small and learnable in seconds: tests use it.

export interface DatasetOptions {
  /** cifar10: the folder with the official binary files. */
  dataDir?: string;
  /** Keep the first N rows of a seeded order of the training set (synthetic-images: make N). */
  trainSamples?: number;
  /** Keep the first N rows of the test set (synthetic-images: make N). */
  testSamples?: number;
}

const SYNTHETIC_IMAGES = { train: TRAIN_ROWS['synthetic-images'], test: 1024 };
const BOUND_STREAM = 0x5a3;

function loadFull(name: DatasetName, seed: number, opts: DatasetOptions): { train: Dataset; test: Dataset } {
  switch (name) {
    case 'mnist':
      return loadMnist();
    case 'synthetic':
      return makeSyntheticSplit({ features: 32, numClasses: 4, trainCount: TRAIN_ROWS.synthetic, testCount: 1024, seed, noise: 1.5, name: 'synthetic' });
    case 'cifar10': // decodes only the rows the bounds keep
      return loadCifar10(opts.dataDir ?? '', {
        train: opts.trainSamples === undefined ? undefined : boundRows(CIFAR_TRAIN_COUNT, opts.trainSamples, seed, '--train-samples'),
        test: opts.testSamples === undefined ? undefined : boundRows(CIFAR_TEST_COUNT, opts.testSamples, undefined, '--test-samples'),
      });
    case 'synthetic-images':
      return makeSyntheticImages({ trainCount: opts.trainSamples ?? SYNTHETIC_IMAGES.train, testCount: opts.testSamples ?? SYNTHETIC_IMAGES.test, seed });
    default:
      throw new Error(`unknown dataset "${name as string}"; known: ${DATASET_NAMES.join(', ')}`);
  }
}

/** The first `limit` rows of a seeded order of 0..count-1 (of 0..count-1 itself without a seed). */
function boundRows(count: number, limit: number, seed: number | undefined, flag: string): Uint32Array {
  if (!Number.isInteger(limit) || limit < 1 || limit > count) throw new Error(`${flag} must be an integer in [1, ${count}], got ${limit}`);
  const order = seed === undefined ? Uint32Array.from({ length: count }, (_, i) => i) : shuffledIndices(count, deriveSeed(seed, BOUND_STREAM));
  return order.slice(0, limit);
}

function bounded(ds: Dataset, limit: number | undefined, seed: number | undefined, flag: string): Dataset {
  if (limit === undefined || limit === ds.count) return ds;
  return takeRows(ds, boundRows(ds.count, limit, seed, flag));
}

export function loadDataset(name: DatasetName, seed: number, opts: DatasetOptions = {}): { train: Dataset; test: Dataset } {
  if (opts.dataDir !== undefined && name !== 'cifar10') throw new Error(`--data-dir applies only to --dataset cifar10, not ${name}`);
  const full = loadFull(name, seed, opts);
  return {
    train: bounded(full.train, opts.trainSamples, seed, '--train-samples'),
    test: bounded(full.test, opts.testSamples, undefined, '--test-samples'),
  };
}

export function isAugmented(name: DatasetName): boolean {
  return AUGMENTED_DATASETS.includes(name);
}

/**
 * Suffix of a prepared split's bucket prefix for the options that change its rows, so a split
 * bounded differently, or read from another folder, is never mistaken for this one.
 */
export function preparedDataSuffix(opts: DatasetOptions): string {
  const parts: string[] = [];
  if (opts.trainSamples !== undefined) parts.push(`-n${opts.trainSamples}`);
  if (opts.testSamples !== undefined) parts.push(`-t${opts.testSamples}`);
  if (opts.dataDir !== undefined) parts.push(`-d${createHash('sha256').update(path.resolve(opts.dataDir)).digest('hex').slice(0, 8)}`);
  return parts.join('');
}
