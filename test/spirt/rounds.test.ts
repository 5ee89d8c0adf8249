import { splitShard, validationCount } from '../../lib/frameworks/spirt/rounds';

// A peer's shard is split into training and validation rows; check-convergence evaluates on the
// latter, so a shard made small by --train-samples must still keep at least one.

test('each peer validates on a tenth of its shard, at least one row and at most 1,000', () => {
  expect(validationCount(8)).toBe(1);
  expect(validationCount(64)).toBe(6);
  expect(validationCount(30_000)).toBe(1000);
  expect(() => validationCount(1)).toThrow('a SPIRT peer needs at least 2 rows (1 to train on, 1 to validate on), its shard has 1');
});

test('an 8-row shard trains on 7 rows and validates on the last', () => {
  const shard = { name: 's', x: Float32Array.from({ length: 16 }, (_, i) => i), y: Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7]), count: 8, featureShape: [2], numClasses: 10 };
  const { train, validation } = splitShard(shard);
  expect(train.count).toBe(7);
  expect(validation).toMatchObject({ count: 1, name: 's:validation' });
  expect(Array.from(validation.x)).toEqual([14, 15]);
  expect(Array.from(validation.y)).toEqual([7]);
});
