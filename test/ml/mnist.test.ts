import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadMnist, mnistDataDir } from '../../lib/ml/data/mnist';

describe('loadMnist', () => {
  const { train, test } = loadMnist();

  it('has 60000 training and 10000 test rows of 784 features in [0, 1]', () => {
    expect(train.count).toBe(60000);
    expect(test.count).toBe(10000);
    expect(train.x.length).toBe(60000 * 784);
    expect(test.x.length).toBe(10000 * 784);
    expect(train.featureShape).toEqual([28, 28, 1]);
    expect(train.numClasses).toBe(10);
    let min = Infinity;
    let max = -Infinity;
    // plain comparisons: Math.min/max are slow inside jest's sandbox
    for (let i = 0; i < test.x.length; i++) {
      if (test.x[i] < min) min = test.x[i];
      if (test.x[i] > max) max = test.x[i];
    }
    expect(min).toBe(0);
    expect(max).toBe(1);
  });

  it('starts with the well-known labels', () => {
    expect(Array.from(train.y.subarray(0, 10))).toEqual([5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    expect(Array.from(test.y.subarray(0, 10))).toEqual([7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
  });

  it('scales pixels by 1/255 from the raw file', () => {
    const raw = fs.readFileSync(path.join(mnistDataDir(), 'train-images-idx3-ubyte'));
    const firstImage = raw.subarray(16, 16 + 784);
    expect(Array.from(train.x.subarray(0, 784))).toEqual(Array.from(firstImage, (v) => Math.fround(v / 255)));
  });

  it('has a sane label histogram (every digit 9%–12% of the training set)', () => {
    const histogram = new Array(10).fill(0);
    for (const label of train.y) histogram[label]++;
    expect(histogram.reduce((a, b) => a + b, 0)).toBe(60000);
    for (const n of histogram) {
      expect(n).toBeGreaterThan(5400);
      expect(n).toBeLessThan(7200);
    }
    expect(histogram[1]).toBe(6742); // the most frequent digit in MNIST's training set
  });

  it('is cached in-process', () => {
    expect(loadMnist().train).toBe(train);
  });
});
