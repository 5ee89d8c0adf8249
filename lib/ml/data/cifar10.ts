/**
 * CIFAR-10 from the official binary version (the "CIFAR-10 binary version" archive published on
 * Alex Krizhevsky's page at the University of Toronto, cifar-10-binary.tar.gz, extracted): files
 * data_batch_1.bin … data_batch_5.bin and test_batch.bin, each 10,000 records of one label byte
 * (0–9) and 3,072 pixel bytes, the red, green and blue 32×32 planes one after the other. Rows
 * become [32, 32, 3] (height, width, channel) float32, normalised per channel with the training
 * set's mean and standard deviation. Nothing is downloaded here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Dataset } from './types';

export const CIFAR_SIDE = 32;
export const CIFAR_CHANNELS = 3;
const PIXELS = CIFAR_SIDE * CIFAR_SIDE;
const RECORD_BYTES = 1 + CIFAR_CHANNELS * PIXELS;
const RECORDS_PER_FILE = 10_000;
const NUM_CLASSES = 10;
export const CIFAR_TRAIN_FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'];
export const CIFAR_TEST_FILE = 'test_batch.bin';
const WHERE = 'the "CIFAR-10 binary version" (cifar-10-binary.tar.gz) from Alex Krizhevsky\'s CIFAR page at the University of Toronto, extracted into --data-dir';

function readChecked(dir: string, name: string): Buffer {
  const file = path.join(dir, name);
  if (!fs.existsSync(file)) throw new Error(`CIFAR-10 file ${file} is missing: expected ${name} from ${WHERE}`);
  const bytes = fs.readFileSync(file);
  const expected = RECORDS_PER_FILE * RECORD_BYTES;
  if (bytes.length !== expected) {
    throw new Error(`CIFAR-10 file ${file} has ${bytes.length} bytes, expected 10,000 × 3,073 = ${expected} (one label byte and 3,072 pixel bytes per image); get it from ${WHERE}`);
  }
  for (let r = 0; r < RECORDS_PER_FILE; r++) {
    const label = bytes[r * RECORD_BYTES];
    if (label >= NUM_CLASSES) throw new Error(`CIFAR-10 file ${file}: record ${r} has label ${label}, expected 0–9 (is it the binary version? get it from ${WHERE})`);
  }
  return bytes;
}

/** Per-channel mean and standard deviation of the pixel bytes of every record. */
function channelStatistics(buffers: Buffer[]): { mean: number[]; std: number[] } {
  const sum = new Float64Array(CIFAR_CHANNELS);
  const sumSquares = new Float64Array(CIFAR_CHANNELS);
  const histogram = new Float64Array(CIFAR_CHANNELS * 256); // exact and fast: bytes take 256 values
  for (const bytes of buffers) {
    for (let r = 0; r < RECORDS_PER_FILE; r++) {
      for (let c = 0; c < CIFAR_CHANNELS; c++) {
        const plane = r * RECORD_BYTES + 1 + c * PIXELS;
        for (let p = 0; p < PIXELS; p++) histogram[c * 256 + bytes[plane + p]]++;
      }
    }
  }
  for (let c = 0; c < CIFAR_CHANNELS; c++) {
    for (let v = 0; v < 256; v++) {
      sum[c] += v * histogram[c * 256 + v];
      sumSquares[c] += v * v * histogram[c * 256 + v];
    }
  }
  const n = buffers.length * RECORDS_PER_FILE * PIXELS;
  const mean = Array.from(sum, (s) => s / n);
  const std = Array.from(sumSquares, (s, c) => Math.sqrt(Math.max(s / n - mean[c] ** 2, 1e-12)));
  return { mean, std };
}

/** The chosen records (indices over the files in order) as normalised [h, w, c] rows. */
function decode(buffers: Buffer[], rows: ArrayLike<number>, stats: { mean: number[]; std: number[] }, name: string): Dataset {
  const count = rows.length;
  const x = new Float32Array(count * CIFAR_CHANNELS * PIXELS);
  const y = new Uint8Array(count);
  const scaled = stats.mean.map((m, c) => Float32Array.from({ length: 256 }, (_, v) => (v - m) / stats.std[c]));
  for (let i = 0; i < count; i++) {
    const bytes = buffers[Math.floor(rows[i] / RECORDS_PER_FILE)];
    const record = (rows[i] % RECORDS_PER_FILE) * RECORD_BYTES;
    y[i] = bytes[record];
    const out = i * CIFAR_CHANNELS * PIXELS;
    for (let c = 0; c < CIFAR_CHANNELS; c++) {
      const plane = record + 1 + c * PIXELS;
      for (let p = 0; p < PIXELS; p++) x[out + p * CIFAR_CHANNELS + c] = scaled[c][bytes[plane + p]];
    }
  }
  return { name, x, y, count, featureShape: [CIFAR_SIDE, CIFAR_SIDE, CIFAR_CHANNELS], numClasses: NUM_CLASSES };
}

export const CIFAR_TRAIN_COUNT = CIFAR_TRAIN_FILES.length * RECORDS_PER_FILE;
export const CIFAR_TEST_COUNT = RECORDS_PER_FILE;

/**
 * Every file is checked (presence, size, labels) before any is decoded. Only the chosen rows are
 * decoded (all when not given); the normalisation always uses the whole training set.
 */
export function loadCifar10(dir: string, choose: { train?: ArrayLike<number>; test?: ArrayLike<number> } = {}): { train: Dataset; test: Dataset } {
  if (!dir) throw new Error(`--data-dir is required for --dataset cifar10: a folder holding ${WHERE}`);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new Error(`CIFAR-10 folder ${dir} does not exist; expected a folder holding ${WHERE}`);
  const trainBuffers = CIFAR_TRAIN_FILES.map((name) => readChecked(dir, name));
  const testBuffer = readChecked(dir, CIFAR_TEST_FILE);
  const stats = channelStatistics(trainBuffers);
  const all = (n: number): Uint32Array => Uint32Array.from({ length: n }, (_, i) => i);
  return {
    train: decode(trainBuffers, choose.train ?? all(CIFAR_TRAIN_COUNT), stats, 'cifar10-train'),
    test: decode([testBuffer], choose.test ?? all(CIFAR_TEST_COUNT), stats, 'cifar10-test'),
  };
}
