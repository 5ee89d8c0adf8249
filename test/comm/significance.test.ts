import {
  averageUpdates,
  decayedThreshold,
  decodeUpdate,
  encodedSize,
  encodeUpdate,
  PARAM_FLOOR,
  UpdateAccumulator,
  type SparseUpdate,
} from '../../lib/comm/significance';
import { createRng } from '../../lib/ml/random';
import { meanOf } from '../../lib/ml/tensor';

// The significance filter as MLLESS defines it, and the sparse wire format of what it lets through.

const f32 = (xs: number[]) => Float32Array.from(xs);
const dense = (u: SparseUpdate): number[] => {
  const out = new Array<number>(u.length).fill(0);
  u.values.forEach((v, j) => { out[u.indices ? u.indices[j] : j] = v; });
  return out;
};

test('the threshold decays as 1/sqrt(step) from its value at step 1', () => {
  expect(decayedThreshold(0.5, 1)).toBe(0.5);
  expect(decayedThreshold(0.5, 4)).toBe(0.25);
  expect(decayedThreshold(0.3, 100)).toBeCloseTo(0.03, 12);
  expect(() => decayedThreshold(-1, 1)).toThrow('threshold must be a finite number ≥ 0, got -1');
  expect(() => decayedThreshold(0.1, 0)).toThrow('step must be an integer ≥ 1, got 0');
});

test('sends exactly the entries with |acc / param| > threshold and keeps the rest accumulating', () => {
  const acc = new UpdateAccumulator(5);
  const params = f32([1, -2, 0.5, 4, 10]);
  acc.add(f32([0.2, -0.1, 0.04, -0.5, 0.05]));
  // ratios: 0.2, 0.05, 0.08, 0.125, 0.005 against 0.1 → entries 0 and 3
  const sent = acc.takeSignificant(params, 0.1);
  expect(Array.from(sent.indices!)).toEqual([0, 3]);
  expect(Array.from(sent.values)).toEqual([f32([0.2])[0], -0.5]);
  expect(Array.from(acc.snapshot())).toEqual(Array.from(f32([0, -0.1, 0.04, 0, 0.05])));
  // Entry 2 keeps accumulating until it is significant: 0.04 + 0.02 = 0.06 > 0.1 · 0.5.
  acc.add(f32([0, 0, 0.02, 0, 0]));
  const later = acc.takeSignificant(params, 0.1);
  expect(Array.from(later.indices!)).toEqual([2]);
  expect(later.values[0]).toBeCloseTo(0.06, 6);
  expect(Array.from(acc.snapshot())).toEqual(Array.from(f32([0, -0.1, 0, 0, 0.05])));
});

test('a parameter at zero counts as PARAM_FLOOR, and an exactly zero accumulation is never sent', () => {
  const acc = new UpdateAccumulator(3);
  acc.add(f32([0.5 * PARAM_FLOOR, 2 * PARAM_FLOOR, 0]));
  const sent = acc.takeSignificant(f32([0, 0, 0]), 1);
  expect(Array.from(sent.indices!)).toEqual([1]);
  // threshold 0: everything non-zero goes, zeros stay home
  const all = acc.takeSignificant(f32([0, 0, 0]), 0);
  expect(Array.from(all.indices!)).toEqual([0]);
  expect(acc.takeSignificant(f32([0, 0, 0]), 0).values).toHaveLength(0);
});

test('nothing is lost: what was sent plus what still accumulates equals the sum of the gradients', () => {
  const rng = createRng(3);
  const n = 200;
  const acc = new UpdateAccumulator(n);
  const params = Float32Array.from({ length: n }, () => rng.normal());
  const total = new Float64Array(n);
  const sentSum = new Float64Array(n);
  let sentEntries = 0;
  for (let step = 1; step <= 50; step++) {
    const g = Float32Array.from({ length: n }, () => 0.01 * rng.normal());
    g.forEach((v, i) => { total[i] += v; });
    acc.add(g);
    const sent = acc.takeSignificant(params, decayedThreshold(0.5, step));
    sentEntries += sent.values.length;
    dense(sent).forEach((v, i) => { sentSum[i] += v; });
  }
  const residual = acc.snapshot();
  for (let i = 0; i < n; i++) expect(sentSum[i] + residual[i]).toBeCloseTo(total[i], 5);
  // The filter really filtered: far fewer entries than 50 dense updates, but not none.
  expect(sentEntries).toBeGreaterThan(0);
  expect(sentEntries).toBeLessThan(0.5 * 50 * n);
});

test('takeAll sends everything dense and empties the accumulator', () => {
  const acc = new UpdateAccumulator(3, f32([1, 0, -2]));
  const all = acc.takeAll();
  expect(all.indices).toBeUndefined();
  expect(Array.from(all.values)).toEqual([1, 0, -2]);
  expect(Array.from(acc.snapshot())).toEqual([0, 0, 0]);
});

test('refuses a gradient of the wrong length or with NaN before touching the accumulator', () => {
  const acc = new UpdateAccumulator(2, f32([1, 1]));
  expect(() => acc.add(f32([1]))).toThrow('gradient has length 1, the accumulator 2');
  expect(() => acc.add(f32([1, NaN]))).toThrow('gradient has a non-finite value NaN at index 1');
  expect(Array.from(acc.snapshot())).toEqual([1, 1]);
});

test('a sparse update round-trips as header + uint32 indices + float32 values, little-endian', () => {
  const update: SparseUpdate = { length: 10, indices: Uint32Array.from([1, 7]), values: f32([0.5, -3]) };
  const bytes = encodeUpdate(update);
  expect(bytes.byteLength).toBe(16 + 2 * 8);
  expect(encodedSize(update)).toBe(bytes.byteLength);
  expect(bytes.subarray(0, 4).toString('latin1')).toBe('MLSU');
  expect(bytes.readUInt32LE(8)).toBe(10);
  expect(bytes.readUInt32LE(12)).toBe(2);
  expect(bytes.readUInt32LE(16)).toBe(1);
  expect(bytes.readUInt32LE(20)).toBe(7);
  expect(bytes.readFloatLE(24)).toBe(0.5);
  const back = decodeUpdate(bytes, 10);
  expect(Array.from(back.indices!)).toEqual([1, 7]);
  expect(Array.from(back.values)).toEqual([0.5, -3]);
});

test('an update denser than half the vector travels dense (4 bytes per entry), meaning the same', () => {
  const update: SparseUpdate = { length: 4, indices: Uint32Array.from([0, 2, 3]), values: f32([1, 2, 3]) };
  const bytes = encodeUpdate(update);
  expect(bytes.byteLength).toBe(16 + 4 * 4);
  expect(encodedSize(update)).toBe(bytes.byteLength);
  const back = decodeUpdate(bytes, 4);
  expect(back.indices).toBeUndefined();
  expect(dense(back)).toEqual([1, 0, 2, 3]);
  expect(dense(decodeUpdate(encodeUpdate({ length: 3, values: f32([4, 5, 6]) }), 3))).toEqual([4, 5, 6]);
});

test('a malformed update is refused with a message naming the problem', () => {
  const good = encodeUpdate({ length: 10, indices: Uint32Array.from([1, 7]), values: f32([0.5, -3]) });
  const broken = (edit: (b: Buffer) => void) => { const b = Buffer.from(good); edit(b); return b; };
  expect(() => decodeUpdate(good.subarray(0, 10), 10)).toThrow('update is 10 bytes, shorter than its 16-byte header');
  expect(() => decodeUpdate(broken((b) => b.write('XXXX', 0, 'latin1')), 10)).toThrow('does not start with the MLSU magic bytes');
  expect(() => decodeUpdate(broken((b) => b.writeUInt8(9, 4)), 10)).toThrow('format version 9, expected 1');
  expect(() => decodeUpdate(good, 11)).toThrow('update is for a vector of 10 entries, the model has 11');
  expect(() => decodeUpdate(good.subarray(0, 28), 10)).toThrow('sparse update of 2 entries must be 32 bytes, got 28');
  expect(() => decodeUpdate(broken((b) => b.writeUInt32LE(1, 20)), 10)).toThrow('sparse update index 1 at position 1 is not increasing');
  expect(() => decodeUpdate(broken((b) => b.writeUInt32LE(10, 20)), 10)).toThrow('sparse update index 10 at position 1 is outside [0, 10)');
  expect(() => decodeUpdate(broken((b) => b.writeFloatLE(NaN, 28)), 10)).toThrow('update has a non-finite value NaN at index 1');
  expect(() => decodeUpdate(broken((b) => b.writeUInt8(7, 5)), 10)).toThrow('update has unknown format 7');
});

test('averaging divides by the number of workers, and dense updates from all give exactly their mean', () => {
  const a: SparseUpdate = { length: 3, indices: Uint32Array.from([0]), values: f32([4]) };
  const b: SparseUpdate = { length: 3, indices: Uint32Array.from([0, 2]), values: f32([2, 6]) };
  expect(Array.from(averageUpdates([a, b], 3, 4))).toEqual([1.5, 0, 1.5]);
  const rng = createRng(9);
  const grads = [0, 1, 2].map(() => Float32Array.from({ length: 101 }, () => rng.normal()));
  const viaUpdates = averageUpdates(grads.map((values) => ({ length: 101, values })), 101, 3);
  expect(Buffer.from(viaUpdates.buffer).equals(Buffer.from(meanOf(grads).buffer))).toBe(true);
});
