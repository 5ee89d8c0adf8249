import { batchAt, epochOrder, stepsPerEpoch } from '../../lib/ml/data/batches';
import type { Dataset } from '../../lib/ml/data/types';

const ds: Dataset = {
  name: 'rows',
  x: Float32Array.from({ length: 10 * 2 }, (_, i) => i), // row r holds [2r, 2r+1]
  y: Uint8Array.from({ length: 10 }, (_, i) => i % 3),
  count: 10,
  featureShape: [2],
  numClasses: 3,
};

describe('stepsPerEpoch', () => {
  it('rounds up', () => {
    expect(stepsPerEpoch(10, 4)).toBe(3);
    expect(stepsPerEpoch(8, 4)).toBe(2);
    expect(stepsPerEpoch(1, 64)).toBe(1);
    expect(() => stepsPerEpoch(10, 0)).toThrow('batchSize must be a positive integer, got 0');
  });
});

describe('batchAt', () => {
  const order = Uint32Array.from([9, 3, 5, 0, 1, 2, 4, 6, 7, 8]);

  it('takes rows order[step·bs …] in order', () => {
    const b = batchAt(ds, order, 1, 4);
    expect(b.count).toBe(4);
    expect(Array.from(b.x)).toEqual([2, 3, 4, 5, 8, 9, 12, 13]); // rows 1, 2, 4, 6
    expect(Array.from(b.y)).toEqual([1, 2, 1, 0]);
  });

  it('gives a short last batch, and all batches of an epoch cover every row once', () => {
    expect(batchAt(ds, order, 2, 4).count).toBe(2);
    const seen: number[] = [];
    for (let s = 0; s < stepsPerEpoch(10, 4); s++) {
      const b = batchAt(ds, order, s, 4);
      for (let i = 0; i < b.count; i++) seen.push(b.x[2 * i] / 2);
    }
    expect(seen).toEqual(Array.from(order));
  });

  it('rejects steps past the epoch and rows outside the dataset', () => {
    expect(() => batchAt(ds, order, 3, 4)).toThrow('step 3 is outside [0, 3) for 10 rows in batches of 4');
    expect(() => batchAt(ds, Uint32Array.from([0, 10]), 0, 2)).toThrow('order[1] = 10 is outside dataset rows (10 rows)');
  });
});

describe('epochOrder', () => {
  it('is a permutation that differs per epoch and repeats per (seed, epoch)', () => {
    const e1 = epochOrder(100, 5, 1);
    expect(Array.from(e1).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(epochOrder(100, 5, 1)).toEqual(e1);
    expect(epochOrder(100, 5, 2)).not.toEqual(e1);
  });
});
