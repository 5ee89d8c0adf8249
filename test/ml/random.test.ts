import { createRng, deriveSeed, shuffledIndices } from '../../lib/ml/random';

describe('createRng', () => {
  it('repeats the same sequence for the same seed and differs for another seed', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const seqA = Array.from({ length: 50 }, () => a.uint32());
    const seqB = Array.from({ length: 50 }, () => b.uint32());
    const seqC = Array.from({ length: 50 }, () => c.uint32());
    expect(seqA).toEqual(seqB);
    expect(seqA.filter((v, i) => v === seqC[i]).length).toBe(0);
  });

  it('gives uniform values in [0, 1) with mean ~0.5 and variance ~1/12', () => {
    const rng = createRng(7);
    const n = 100_000;
    let sum = 0;
    let sumSq = 0;
    let outOfRange = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      if (!(u >= 0 && u < 1)) outOfRange++;
      sum += u;
      sumSq += u * u;
    }
    const mean = sum / n;
    expect(outOfRange).toBe(0);
    expect(mean).toBeCloseTo(0.5, 2);
    expect(sumSq / n - mean * mean).toBeCloseTo(1 / 12, 2);
  });

  it('gives standard normals (mean ~0, variance ~1, ~68% within one sigma)', () => {
    const rng = createRng(11);
    const n = 100_000;
    let sum = 0;
    let sumSq = 0;
    let withinOne = 0;
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      sum += z;
      sumSq += z * z;
      if (Math.abs(z) < 1) withinOne++;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.02);
    expect(sumSq / n).toBeCloseTo(1, 1);
    expect(withinOne / n).toBeCloseTo(0.6827, 2);
  });

  it('int(n) covers [0, n) evenly and rejects bad n', () => {
    const rng = createRng(3);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[rng.int(6)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
    expect(() => rng.int(0)).toThrow(/int\(n\) needs an integer n/);
    expect(() => rng.int(2.5)).toThrow(/got 2.5/);
  });

  it('accepts seed 0 and negative seeds, rejects non-integers', () => {
    expect(createRng(0).uint32()).not.toBe(createRng(-1).uint32());
    expect(() => createRng(1.5)).toThrow(/seed must be a safe integer, got 1.5/);
    expect(() => createRng(NaN)).toThrow(/seed/);
  });
});

describe('deriveSeed', () => {
  it('is deterministic, order-sensitive and 32-bit', () => {
    const s = deriveSeed(42, 1, 0);
    expect(deriveSeed(42, 1, 0)).toBe(s);
    expect(deriveSeed(42, 0, 1)).not.toBe(s);
    expect(deriveSeed(42, 1)).not.toBe(s);
    expect(Number.isInteger(s) && s >= 0 && s < 2 ** 32).toBe(true);
  });

  it('gives distinct seeds over a grid of (seed, epoch, rank)', () => {
    const seen = new Set<number>();
    for (let epoch = 0; epoch < 50; epoch++) for (let rank = 0; rank < 50; rank++) seen.add(deriveSeed(1, epoch, rank));
    expect(seen.size).toBe(2500);
  });

  it('uses the high bits of large integers', () => {
    expect(deriveSeed(2 ** 40)).not.toBe(deriveSeed(0));
  });

  it('rejects non-integer parts naming which one', () => {
    expect(() => deriveSeed(1, 0.5)).toThrow(/deriveSeed part 1 must be a safe integer, got 0.5/);
    expect(() => deriveSeed()).toThrow(/at least one part/);
  });
});

describe('shuffledIndices', () => {
  it('is a permutation, reproducible per seed', () => {
    const a = shuffledIndices(1000, 5);
    expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(shuffledIndices(1000, 5)).toEqual(a);
    expect(shuffledIndices(1000, 6)).not.toEqual(a);
    // a shuffle, not the identity
    expect(a.filter((v, i) => v === i).length).toBeLessThan(20);
  });

  it('puts each value in each position about equally often', () => {
    const n = 4;
    const counts = Array.from({ length: n }, () => new Array(n).fill(0));
    for (let seed = 0; seed < 8000; seed++) shuffledIndices(n, seed).forEach((v, pos) => counts[pos][v]++);
    for (const row of counts) for (const c of row) expect(Math.abs(c - 2000)).toBeLessThan(200);
  });

  it('handles 0 and 1 and rejects bad counts', () => {
    expect(shuffledIndices(0, 1).length).toBe(0);
    expect(Array.from(shuffledIndices(1, 1))).toEqual([0]);
    expect(() => shuffledIndices(-1, 1)).toThrow(/count must be an integer/);
  });
});
