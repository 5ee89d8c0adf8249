import { decodeShard, encodeShard, shardIndices, takeRows, validateManifest, type DatasetManifest } from '../../lib/ml/data/shards';
import { makeSynthetic } from '../../lib/ml/data/synthetic';
import type { Dataset } from '../../lib/ml/data/types';

describe('shardIndices', () => {
  it('gives disjoint equal shards covering workers × floor(count/workers) distinct rows', () => {
    const shards = shardIndices(1003, 4, 42);
    expect(shards.map((s) => s.length)).toEqual([250, 250, 250, 250]);
    const all = new Set<number>();
    for (const shard of shards) for (const i of shard) all.add(i);
    expect(all.size).toBe(1000);
    for (const i of all) expect(i < 1003).toBe(true);
  });

  it('is reproducible per seed and changes with the seed', () => {
    expect(shardIndices(100, 3, 7)).toEqual(shardIndices(100, 3, 7));
    expect(shardIndices(100, 3, 8)[0]).not.toEqual(shardIndices(100, 3, 7)[0]);
  });

  it('shuffles rather than cutting contiguous ranges', () => {
    const [first] = shardIndices(1000, 2, 1);
    expect(Math.max(...first)).toBeGreaterThan(900);
    expect(Math.min(...first)).toBeLessThan(100);
  });

  it('allows one row per worker and rejects bad counts', () => {
    expect(shardIndices(3, 3, 1).map((s) => s.length)).toEqual([1, 1, 1]);
    expect(() => shardIndices(10, 0, 1)).toThrow('workers must be a positive integer, got 0');
    expect(() => shardIndices(3, 4, 1)).toThrow("workers 4 exceeds the dataset's 3 rows");
    expect(() => shardIndices(0, 1, 1)).toThrow('count must be a positive integer, got 0');
  });
});

describe('takeRows', () => {
  const ds: Dataset = { name: 'tiny', x: new Float32Array([0, 1, 10, 11, 20, 21]), y: new Uint8Array([0, 1, 2]), count: 3, featureShape: [2], numClasses: 3 };

  it('copies the rows in the given order', () => {
    const out = takeRows(ds, [2, 0]);
    expect(Array.from(out.x)).toEqual([20, 21, 0, 1]);
    expect(Array.from(out.y)).toEqual([2, 0]);
    expect(out.count).toBe(2);
  });

  it('rejects rows outside the dataset', () => {
    expect(() => takeRows(ds, [0, 3])).toThrow('row index 3 at position 1 is outside dataset tiny (3 rows)');
  });
});

describe('encodeShard / decodeShard', () => {
  const ds = takeRows(makeSynthetic({ count: 40, features: 6, numClasses: 5, seed: 2 }), Array.from({ length: 10 }, (_, i) => i * 3));
  ds.featureShape = [2, 3, 1];

  it('round-trips bit-exactly with a manifest entry naming the keys', () => {
    const { manifestEntry, x, y } = encodeShard(ds, 'runs/r1/data/train-0');
    expect(manifestEntry).toEqual({
      count: 10,
      featureShape: [2, 3, 1],
      numClasses: 5,
      x: { key: 'runs/r1/data/train-0/x.bin', dtype: 'float32', bytes: 240 },
      y: { key: 'runs/r1/data/train-0/y.bin', dtype: 'uint8', bytes: 10 },
    });
    // As if the bytes came back from a bucket at an odd offset.
    const xCopy = new Uint8Array(x.length + 1).fill(0xff);
    xCopy.set(x, 1);
    const back = decodeShard(manifestEntry, xCopy.subarray(1), new Uint8Array(y));
    expect(Buffer.from(back.x.buffer).equals(Buffer.from(ds.x.buffer, ds.x.byteOffset, ds.x.byteLength))).toBe(true);
    expect(Array.from(back.y)).toEqual(Array.from(ds.y));
    expect(back).toMatchObject({ count: 10, featureShape: [2, 3, 1], numClasses: 5 });
  });

  it('rejects byte counts that disagree with the entry and labels out of range', () => {
    const { manifestEntry, x, y } = encodeShard(ds, 'p');
    expect(() => decodeShard(manifestEntry, x.subarray(4), y)).toThrow('shard p/x.bin: got 236 bytes, manifest says 240');
    expect(() => decodeShard(manifestEntry, x, y.subarray(1))).toThrow('shard p/y.bin: got 9 bytes, manifest says 10');
    const badY = Buffer.from(y);
    badY[7] = 9;
    expect(() => decodeShard(manifestEntry, x, badY)).toThrow('shard p/y.bin: label 9 at row 7 is not below numClasses 5');
  });
});

describe('validateManifest', () => {
  const ds = makeSynthetic({ count: 8, features: 3, numClasses: 2, seed: 1 });
  const entry = (prefix: string) => encodeShard(ds, prefix).manifestEntry;
  const good = (): DatasetManifest => ({
    dataset: 'synthetic',
    seed: 42,
    workers: 2,
    createdAt: '2026-11-21T06:00:00.000Z',
    train: [entry('d/train-0'), entry('d/train-1')],
    test: entry('d/test'),
  });

  it('accepts a valid manifest (after a JSON round trip)', () => {
    expect(validateManifest(JSON.parse(JSON.stringify(good())))).toEqual(good());
  });

  it('keeps the crop-flip augmentation mark and refuses any other', () => {
    const augmented = { ...good(), augmentation: 'crop-flip' as const };
    expect(validateManifest(JSON.parse(JSON.stringify(augmented)))).toEqual(augmented);
    expect(() => validateManifest({ ...good(), augmentation: 'rotate' })).toThrow(`manifest.augmentation must be 'crop-flip', got "rotate"`);
  });

  const mutate = (change: (m: any) => void): unknown => {
    const m: any = JSON.parse(JSON.stringify(good()));
    change(m);
    return m;
  };

  it.each([
    ['not an object', () => 'hello', 'manifest must be an object, got "hello"'],
    ['missing dataset', () => mutate((m) => delete m.dataset), 'manifest.dataset must be a non-empty string, got nothing'],
    ['seed not an integer', () => mutate((m) => (m.seed = 1.5)), /manifest.seed must be an integer .* got 1.5/],
    ['bad date', () => mutate((m) => (m.createdAt = 'yesterday')), 'manifest.createdAt must be an ISO 8601 timestamp, got "yesterday"'],
    ['shard count ≠ workers', () => mutate((m) => (m.workers = 3)), 'manifest.train has 2 shards, expected one per worker (3)'],
    ['wrong x bytes', () => mutate((m) => (m.train[1].x.bytes = 5)), 'manifest.train[1].x.bytes must be count × features × 4 = 96, got 5'],
    ['wrong dtype', () => mutate((m) => (m.train[0].y.dtype = 'int32')), "manifest.train[0].y.dtype must be 'uint8', got \"int32\""],
    ['empty key', () => mutate((m) => (m.test.x.key = '')), 'manifest.test.x.key must be a non-empty string, got ""'],
    ['bad feature dim', () => mutate((m) => (m.test.featureShape = [3, 0])), /manifest.test.featureShape\[1\] must be an integer/],
    [
      'unequal shards',
      () => mutate((m) => { m.train[1].count = 7; m.train[1].x.bytes = 84; m.train[1].y.bytes = 7; }),
      'manifest.train[1].count 7 differs from manifest.train[0].count 8',
    ],
    ['test shape differs', () => mutate((m) => { m.test.numClasses = 3; }), 'manifest.test featureShape/numClasses differ from manifest.train[0]'],
  ])('rejects %s', (_label, make, message) => {
    expect(() => validateManifest(make())).toThrow(message);
  });
});
