import { aggregate, trimCount } from '../../lib/comm/aggregation';

// The function-side aggregation rules, on hand-made columns (the module's are tested in test/redisai).

const v = (...xs: number[]) => Float32Array.from(xs);

test('mean, median and trimmed mean per coordinate', () => {
  const peers = [v(1, 10, -3), v(2, 20, -1), v(3, 30, 100), v(1000, 40, 2)];
  expect(Array.from(aggregate(peers, 'mean'))).toEqual([251.5, 25, 24.5]);
  expect(Array.from(aggregate(peers, 'median'))).toEqual([2.5, 25, 0.5]);
  expect(trimCount(4)).toBe(1);
  expect(Array.from(aggregate(peers, 'trimmed-mean'))).toEqual([2.5, 25, 0.5]);
  expect(Array.from(aggregate([v(1), v(5), v(2)], 'median'))).toEqual([2]);
});

test('one sign-flipped peer drags the mean but not the median', () => {
  const honest = [v(0.1, -0.2), v(0.12, -0.18), v(0.09, -0.21)];
  const attacker = v(-1.0, 2.0); // ×−10 of an honest gradient
  const mean = aggregate([...honest, attacker], 'mean');
  const median = aggregate([...honest, attacker], 'median');
  expect(mean[0]).toBeLessThan(0); // the direction is reversed
  expect(median[0]).toBeCloseTo(0.095, 5);
  expect(median[1]).toBeCloseTo(-0.19, 5);
});

test('trim counts and bad input', () => {
  expect([1, 2, 3, 4, 8, 20].map(trimCount)).toEqual([0, 0, 1, 1, 2, 5]);
  expect(() => aggregate([], 'mean')).toThrow('aggregate: no vectors to combine');
  expect(() => aggregate([v(1, 2), v(1)], 'median')).toThrow('aggregate: vector 1 has length 1, expected 2');
});
