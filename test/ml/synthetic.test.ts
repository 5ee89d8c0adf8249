import { makeSynthetic, makeSyntheticSplit } from '../../lib/ml/data/synthetic';

/** Accuracy of the nearest class mean estimated on `train`, applied to `test`: a linear classifier. */
function nearestMeanAccuracy(train: ReturnType<typeof makeSynthetic>, test: ReturnType<typeof makeSynthetic>): number {
  const f = train.featureShape[0];
  const means = new Float64Array(train.numClasses * f);
  const counts = new Array(train.numClasses).fill(0);
  for (let r = 0; r < train.count; r++) {
    counts[train.y[r]]++;
    for (let j = 0; j < f; j++) means[train.y[r] * f + j] += train.x[r * f + j];
  }
  for (let c = 0; c < train.numClasses; c++) for (let j = 0; j < f; j++) means[c * f + j] /= counts[c];
  let correct = 0;
  for (let r = 0; r < test.count; r++) {
    let best = -1;
    let bestDistance = Infinity;
    for (let c = 0; c < test.numClasses; c++) {
      let d = 0;
      for (let j = 0; j < f; j++) d += (test.x[r * f + j] - means[c * f + j]) ** 2;
      if (d < bestDistance) [best, bestDistance] = [c, d];
    }
    if (best === test.y[r]) correct++;
  }
  return correct / test.count;
}

describe('makeSynthetic', () => {
  it('is reproducible per seed and has the requested shape', () => {
    const a = makeSynthetic({ count: 500, features: 20, numClasses: 4, seed: 1 });
    const b = makeSynthetic({ count: 500, features: 20, numClasses: 4, seed: 1 });
    const c = makeSynthetic({ count: 500, features: 20, numClasses: 4, seed: 2 });
    expect(a.x).toEqual(b.x);
    expect(a.y).toEqual(b.y);
    expect(a.x).not.toEqual(c.x);
    expect(a).toMatchObject({ count: 500, featureShape: [20], numClasses: 4 });
    expect(a.x.length).toBe(500 * 20);
    expect(Math.max(...a.y)).toBe(3);
    expect(Math.min(...a.y)).toBe(0);
  });

  it('is learnable by a linear rule with the default noise, and harder with more noise', () => {
    const easy = makeSyntheticSplit({ trainCount: 2000, testCount: 1000, features: 20, numClasses: 10, seed: 3 });
    expect(nearestMeanAccuracy(easy.train, easy.test)).toBeGreaterThan(0.95);
    const noisy = makeSyntheticSplit({ trainCount: 2000, testCount: 1000, features: 20, numClasses: 10, seed: 3, noise: 4 });
    expect(nearestMeanAccuracy(noisy.train, noisy.test)).toBeLessThan(0.7);
  });

  it('shares centroids between splits, and makeSynthetic equals the train split', () => {
    const split = makeSyntheticSplit({ trainCount: 300, testCount: 100, features: 5, numClasses: 3, seed: 8 });
    const single = makeSynthetic({ count: 300, features: 5, numClasses: 3, seed: 8 });
    expect(single.x).toEqual(split.train.x);
    expect(split.test.x).not.toEqual(split.train.x.subarray(0, 500));
    expect(nearestMeanAccuracy(split.train, split.test)).toBeGreaterThan(0.9);
  });

  it('rejects bad options naming the field', () => {
    expect(() => makeSynthetic({ count: 0, features: 2, numClasses: 2, seed: 1 })).toThrow('count must be an integer ≥ 1, got 0');
    expect(() => makeSynthetic({ count: 5, features: 2, numClasses: 1, seed: 1 })).toThrow('numClasses must be an integer ≥ 2, got 1');
    expect(() => makeSynthetic({ count: 5, features: 2, numClasses: 300, seed: 1 })).toThrow(/numClasses must be ≤ 256/);
    expect(() => makeSynthetic({ count: 5, features: 2, numClasses: 2, seed: 1, noise: -1 })).toThrow('noise must be a finite number ≥ 0, got -1');
    expect(() => makeSyntheticSplit({ trainCount: 5, testCount: 0, features: 2, numClasses: 2, seed: 1 })).toThrow(/testCount/);
  });
});
