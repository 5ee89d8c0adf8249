import { batchAt, epochOrder } from '../../lib/ml/data/batches';
import { cropAndFlip } from '../../lib/ml/data/augment';
import { loadDataset } from '../../lib/ml/data/catalog';
import type { Dataset } from '../../lib/ml/data/types';

/** A 6×6×2 image whose value at (i, j, c) is 1 + i·100 + j·10 + c (never 0, so padding shows). */
function ramp(): Float32Array {
  return Float32Array.from({ length: 72 }, (_, k) => {
    const [i, j, c] = [Math.floor(k / 12), Math.floor(k / 2) % 6, k % 2];
    return 1 + i * 100 + j * 10 + c;
  });
}

test('crop-and-flip shifts by at most 4 pixels with zero padding, flips, and is seeded', () => {
  const geometry = { height: 6, width: 6, channels: 2 };
  const seen = new Set<string>();
  for (let seed = 0; seed < 40; seed++) {
    const x = ramp();
    cropAndFlip(x, 1, geometry, seed);
    const again = ramp();
    cropAndFlip(again, 1, geometry, seed);
    expect(again).toEqual(x);
    // Every non-zero pixel is a source pixel of the same channel, moved consistently.
    const sources = Array.from(x).filter((v) => v !== 0);
    expect(sources.every((v) => Math.round(v - 1) % 10 === (Array.from(x).indexOf(v) % 2))).toBe(true);
    const i0 = Math.floor((x.find((v) => v !== 0) ?? 1) / 100);
    seen.add(`${i0}:${x[0] === 0 ? 'pad' : 'in'}`);
  }
  expect(seen.size).toBeGreaterThan(2); // different seeds crop differently
  const flipped = ramp();
  // Some seed flips with no shift: row 0 read right to left.
  const flips = Array.from({ length: 200 }, (_, seed) => {
    const x = ramp();
    cropAndFlip(x, 1, geometry, seed);
    return x;
  }).filter((x) => x[0] === flipped[10] && x[10] === flipped[0]);
  expect(flips.length).toBeGreaterThan(0);
});

test('batches of an augmented shard are augmented, reproducibly per (seed, epoch, worker, step)', () => {
  const { train } = loadDataset('synthetic-images', 1, { trainSamples: 64, testSamples: 8 });
  expect(train.featureShape).toEqual([32, 32, 3]);
  const shard = (worker: number): Dataset => ({ ...train, augment: { seed: 1, worker } });
  const order0 = epochOrder(train.count, 1, 0);
  const plain = batchAt(train, order0, 0, 16);
  const a = batchAt(shard(0), order0, 0, 16);
  expect(batchAt(shard(0), order0, 0, 16)).toEqual(a);
  expect(a.y).toEqual(plain.y);
  expect(a.x).not.toEqual(plain.x);
  expect(batchAt(shard(1), order0, 0, 16).x).not.toEqual(a.x); // another worker
  expect(batchAt(shard(0), epochOrder(train.count, 1, 1), 0, 16).x).not.toEqual(a.x); // another epoch
  expect(batchAt(shard(0), order0, 1, 16).x).not.toEqual(batchAt(train, order0, 1, 16).x);
});

test('synthetic-images has the chosen size, and its classes are learnable from the pixels', () => {
  const { train, test } = loadDataset('synthetic-images', 3, { trainSamples: 300, testSamples: 100 });
  expect([train.count, test.count]).toEqual([300, 100]);
  // nearest class mean (from the training rows) classifies the test rows well
  const features = 32 * 32 * 3;
  const means = Array.from({ length: 10 }, () => new Float64Array(features));
  const counts = new Array(10).fill(0);
  for (let r = 0; r < train.count; r++) {
    counts[train.y[r]]++;
    for (let f = 0; f < features; f++) means[train.y[r]][f] += train.x[r * features + f];
  }
  means.forEach((m, k) => m.forEach((_, f) => (m[f] /= Math.max(counts[k], 1))));
  let correct = 0;
  for (let r = 0; r < test.count; r++) {
    const distance = (k: number): number => means[k].reduce((s, v, f) => s + (v - test.x[r * features + f]) ** 2, 0);
    const best = Array.from({ length: 10 }, (_, k) => k).reduce((a, b) => (distance(b) < distance(a) ? b : a));
    if (best === test.y[r]) correct++;
  }
  expect(correct / test.count).toBeGreaterThan(0.9);
});
