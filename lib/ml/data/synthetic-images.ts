/**
 * Learnable CIFAR-shaped data (32×32×3 by default) for tests and benchmarks: each class has a
 * coarse random template (4×4 blocks of 8×8 pixels per channel, so a 4-pixel crop shift or a
 * flip keeps most of it) and each image is its class's template plus gaussian pixel noise.
 */
import { createRng, deriveSeed, type Rng } from '../random';
import type { Dataset } from './types';

export interface SyntheticImagesOptions {
  trainCount: number;
  testCount: number;
  seed: number;
  side?: number;
  numClasses?: number;
  /** Standard deviation of the pixel noise (templates have unit variance); default 1. */
  noise?: number;
}

const CHANNELS = 3;
const BLOCK = 8;

function templates(side: number, numClasses: number, rng: Rng): Float32Array {
  const blocks = Math.ceil(side / BLOCK);
  const grid = Float32Array.from({ length: numClasses * blocks * blocks * CHANNELS }, () => rng.normal());
  const out = new Float32Array(numClasses * side * side * CHANNELS);
  for (let k = 0; k < numClasses; k++) {
    for (let i = 0; i < side; i++) {
      for (let j = 0; j < side; j++) {
        for (let c = 0; c < CHANNELS; c++) {
          const cell = ((k * blocks + Math.floor(i / BLOCK)) * blocks + Math.floor(j / BLOCK)) * CHANNELS + c;
          out[((k * side + i) * side + j) * CHANNELS + c] = grid[cell];
        }
      }
    }
  }
  return out;
}

function sample(name: string, count: number, side: number, numClasses: number, noise: number, t: Float32Array, rng: Rng): Dataset {
  const features = side * side * CHANNELS;
  const x = new Float32Array(count * features);
  const y = new Uint8Array(count);
  for (let row = 0; row < count; row++) {
    const label = rng.int(numClasses);
    y[row] = label;
    for (let f = 0; f < features; f++) x[row * features + f] = t[label * features + f] + noise * rng.normal();
  }
  return { name, x, y, count, featureShape: [side, side, CHANNELS], numClasses };
}

export function makeSyntheticImages(opts: SyntheticImagesOptions): { train: Dataset; test: Dataset } {
  const { seed, side = 32, numClasses = 10, noise = 1 } = opts;
  for (const [field, value] of Object.entries({ trainCount: opts.trainCount, testCount: opts.testCount, side })) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`${field} must be a positive integer, got ${value}`);
  }
  if (!Number.isInteger(numClasses) || numClasses < 2 || numClasses > 256) throw new Error(`numClasses must be an integer in [2, 256], got ${numClasses}`);
  const t = templates(side, numClasses, createRng(deriveSeed(seed, 1)));
  return {
    train: sample('synthetic-images-train', opts.trainCount, side, numClasses, noise, t, createRng(deriveSeed(seed, 2))),
    test: sample('synthetic-images-test', opts.testCount, side, numClasses, noise, t, createRng(deriveSeed(seed, 3))),
  };
}
