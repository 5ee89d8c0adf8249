/**
 * A seeded, learnable classification problem: each class has a random centroid and samples are
 * centroid + gaussian noise. Centroids are scaled so that any two are about CENTROID_DISTANCE apart
 * whatever the number of features; with the default noise of 1 the classes are nearly linearly
 * separable (nearest-centroid accuracy ≈ 98% for 10 classes), so a small model learns it fast.
 */
import { createRng, deriveSeed, type Rng } from '../random';
import type { Dataset } from './types';

export interface SyntheticOptions {
  count: number;
  features: number;
  numClasses: number;
  seed: number;
  /** Standard deviation of the per-feature noise (default 1). */
  noise?: number;
  name?: string;
}

export interface SyntheticSplitOptions extends Omit<SyntheticOptions, 'count'> {
  trainCount: number;
  testCount: number;
}

const CENTROID_DISTANCE = 6;
// Separate streams, so the test split never depends on how many training rows were drawn.
const CENTROID_STREAM = 1;
const TRAIN_STREAM = 2;
const TEST_STREAM = 3;

function positiveInteger(value: number, field: string, min = 1): void {
  if (!Number.isInteger(value) || value < min) throw new Error(`${field} must be an integer ≥ ${min}, got ${value}`);
}

function checkShape(features: number, numClasses: number, noise: number): void {
  positiveInteger(features, 'features');
  positiveInteger(numClasses, 'numClasses', 2);
  if (numClasses > 256) throw new Error(`numClasses must be ≤ 256 (labels are uint8), got ${numClasses}`);
  if (!Number.isFinite(noise) || noise < 0) throw new Error(`noise must be a finite number ≥ 0, got ${noise}`);
}

function makeCentroids(features: number, numClasses: number, seed: number): Float64Array {
  const rng = createRng(deriveSeed(seed, CENTROID_STREAM));
  // Two N(0, s²) vectors in f dimensions are s·sqrt(2f) apart on average.
  const scale = CENTROID_DISTANCE / Math.sqrt(2 * features);
  return Float64Array.from({ length: features * numClasses }, () => rng.normal() * scale);
}

function sample(rng: Rng, count: number, centroids: Float64Array, opts: { features: number; numClasses: number; noise: number; name: string }): Dataset {
  const { features, numClasses, noise, name } = opts;
  const x = new Float32Array(count * features);
  const y = new Uint8Array(count);
  for (let row = 0; row < count; row++) {
    const label = rng.int(numClasses);
    y[row] = label;
    for (let f = 0; f < features; f++) x[row * features + f] = centroids[label * features + f] + noise * rng.normal();
  }
  return { name, x, y, count, featureShape: [features], numClasses };
}

function checkSeed(seed: number): void {
  if (!Number.isSafeInteger(seed)) throw new Error(`seed must be a safe integer, got ${seed}`);
}

export function makeSyntheticSplit(opts: SyntheticSplitOptions): { train: Dataset; test: Dataset } {
  const { features, numClasses, seed, noise = 1, name = 'synthetic' } = opts;
  checkShape(features, numClasses, noise);
  checkSeed(seed);
  positiveInteger(opts.trainCount, 'trainCount');
  positiveInteger(opts.testCount, 'testCount');
  const centroids = makeCentroids(features, numClasses, seed);
  const shape = { features, numClasses, noise };
  return {
    train: sample(createRng(deriveSeed(seed, TRAIN_STREAM)), opts.trainCount, centroids, { ...shape, name: `${name}-train` }),
    test: sample(createRng(deriveSeed(seed, TEST_STREAM)), opts.testCount, centroids, { ...shape, name: `${name}-test` }),
  };
}

/** One split: the same rows as makeSyntheticSplit's train split for the same options. */
export function makeSynthetic(opts: SyntheticOptions): Dataset {
  const { features, numClasses, seed, noise = 1, name = 'synthetic' } = opts;
  checkShape(features, numClasses, noise);
  checkSeed(seed);
  positiveInteger(opts.count, 'count');
  const centroids = makeCentroids(features, numClasses, seed);
  return sample(createRng(deriveSeed(seed, TRAIN_STREAM)), opts.count, centroids, { features, numClasses, noise, name });
}
