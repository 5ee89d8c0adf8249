import { copyFileSync, mkdtempSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadDataset } from '../../lib/ml/data/catalog';
import { FILES, labelOf, RECORD_BYTES, writeCifarFolder } from '../helpers/cifar-folder';

// The official binary format, built here: every file is 10,000 × 3,073 bytes, as the loader demands.

let root: string;
let good: string;
beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'cifar-'));
  good = path.join(root, 'good');
  writeCifarFolder(good);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A copy of the good folder with one file changed by `spoil`. */
function spoiled(name: string, spoil: (file: string) => void): string {
  const dir = mkdtempSync(path.join(root, 'bad-'));
  FILES.forEach((f) => copyFileSync(path.join(good, f), path.join(dir, f)));
  spoil(path.join(dir, name));
  return dir;
}

test('reads rows as [32, 32, 3] images normalised with the training set statistics, with their labels', () => {
  // Bounded, so the test stays cheap: only the kept rows are decoded (the statistics use all 50,000).
  const { train, test } = loadDataset('cifar10', 1, { dataDir: good, trainSamples: 4000, testSamples: 2000 });
  expect([train.count, test.count]).toEqual([4000, 2000]);
  expect(train.featureShape).toEqual([32, 32, 3]);
  expect(Array.from(test.y.subarray(0, 30))).toEqual(Array.from({ length: 30 }, (_, r) => labelOf(5, r)));
  // a random sample of the training rows: per channel mean ≈ 0 and variance ≈ 1
  for (let c = 0; c < 3; c++) {
    let sum = 0;
    let squares = 0;
    for (let i = c; i < train.x.length; i += 3) {
      sum += train.x[i];
      squares += train.x[i] * train.x[i];
    }
    const n = train.x.length / 3;
    expect(Math.abs(sum / n)).toBeLessThan(0.05);
    expect(Math.abs(squares / n - 1)).toBeLessThan(0.05);
  }
  // planes are R, G, B: pixel (0, 0) holds 250, 249, 248, above every other value in its channel
  const row = test.x.subarray(0, 3072);
  for (let c = 0; c < 3; c++) {
    const others = Array.from({ length: 1023 }, (_, p) => row[(p + 1) * 3 + c]);
    expect(row[c]).toBeGreaterThan(Math.max(...others));
  }
});

test('--train-samples and --test-samples keep a seeded subset and the first test rows', () => {
  const a = loadDataset('cifar10', 3, { dataDir: good, trainSamples: 300, testSamples: 50 });
  const b = loadDataset('cifar10', 3, { dataDir: good, trainSamples: 300, testSamples: 50 });
  const c = loadDataset('cifar10', 4, { dataDir: good, trainSamples: 300, testSamples: 50 });
  expect([a.train.count, a.test.count]).toEqual([300, 50]);
  expect(Buffer.from(a.train.x.buffer).equals(Buffer.from(b.train.x.buffer))).toBe(true);
  expect(Buffer.from(a.train.x.buffer).equals(Buffer.from(c.train.x.buffer))).toBe(false);
  expect(Array.from(a.test.y)).toEqual(Array.from({ length: 50 }, (_, r) => labelOf(5, r)));
  expect(() => loadDataset('cifar10', 3, { dataDir: good, trainSamples: 50_001 })).toThrow('--train-samples must be an integer in [1, 50000], got 50001');
});

test('a missing, truncated or mislabelled file is refused with a message naming it', () => {
  const missing = spoiled('data_batch_3.bin', (f) => unlinkSync(f));
  expect(() => loadDataset('cifar10', 1, { dataDir: missing })).toThrow(
    new RegExp(`CIFAR-10 file ${path.join(missing, 'data_batch_3.bin')} is missing: expected data_batch_3.bin from the "CIFAR-10 binary version".*University of Toronto`),
  );
  const truncated = spoiled('test_batch.bin', (f) => truncateSync(f, 1000 * RECORD_BYTES));
  expect(() => loadDataset('cifar10', 1, { dataDir: truncated })).toThrow(
    `CIFAR-10 file ${path.join(truncated, 'test_batch.bin')} has 3073000 bytes, expected 10,000 × 3,073 = 30730000`,
  );
  const mislabelled = spoiled('data_batch_1.bin', (f) => {
    const bytes = readFileSync(f);
    bytes[7 * RECORD_BYTES] = 12;
    writeFileSync(f, bytes);
  });
  expect(() => loadDataset('cifar10', 1, { dataDir: mislabelled })).toThrow('record 7 has label 12, expected 0–9');
  expect(() => loadDataset('cifar10', 1, {})).toThrow('--data-dir is required for --dataset cifar10');
  expect(() => loadDataset('cifar10', 1, { dataDir: path.join(root, 'nowhere') })).toThrow(/CIFAR-10 folder .*nowhere does not exist/);
  expect(() => loadDataset('mnist', 1, { dataDir: good })).toThrow('--data-dir applies only to --dataset cifar10, not mnist');
});
