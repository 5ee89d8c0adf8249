import { createHash } from 'node:crypto';
import { addInto, assertFinite, decodeTensor, encodeTensor, meanOf, scaleInPlace, sha256Hex } from '../../lib/ml/tensor';

describe('encodeTensor / decodeTensor', () => {
  it('writes little-endian float32 bytes', () => {
    const bytes = encodeTensor(new Float32Array([1, -2.5]));
    expect(Array.from(bytes)).toEqual([0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x20, 0xc0]);
  });

  it('round-trips bit-exactly, including -0, NaN payloads and extremes', () => {
    const v = new Float32Array([0, -0, 1e-45, 3.4028234e38, -Infinity, NaN, Math.PI, -1e-20]);
    const back = decodeTensor(encodeTensor(v), v.length);
    expect(Array.from(new Uint32Array(back.buffer))).toEqual(Array.from(new Uint32Array(v.buffer)));
  });

  it('encodes only the view of a subarray and copies (later writes do not leak in)', () => {
    const base = new Float32Array([1, 2, 3, 4]);
    const bytes = encodeTensor(base.subarray(1, 3));
    base[1] = 99;
    expect(Array.from(decodeTensor(bytes))).toEqual([2, 3]);
  });

  it('decodes from an unaligned offset into its own aligned buffer', () => {
    const raw = new Uint8Array(13);
    raw.set(encodeTensor(new Float32Array([1.5, -7, 42])), 1);
    const out = decodeTensor(raw.subarray(1));
    expect(Array.from(out)).toEqual([1.5, -7, 42]);
    expect(out.byteOffset).toBe(0);
    expect(out.buffer.byteLength).toBe(12);
  });

  it('rejects a byte length that is not a multiple of 4 and a wrong expected length', () => {
    expect(() => decodeTensor(new Uint8Array(10))).toThrow('tensor byte length 10 is not a multiple of 4 (float32)');
    expect(() => decodeTensor(new Uint8Array(40), 101770)).toThrow(
      'tensor length 10 (40 bytes) does not match expected length 101770',
    );
  });
});

describe('assertFinite', () => {
  it('names the first non-finite index', () => {
    expect(() => assertFinite(new Float32Array([0, 1, NaN, Infinity]), 'gradient')).toThrow(
      'gradient has a non-finite value NaN at index 2 (length 4)',
    );
    expect(() => assertFinite(new Float32Array([-Infinity]), 'params')).toThrow(/params has a non-finite value -Infinity at index 0/);
    expect(() => assertFinite(new Float32Array([0, 1e30, -3]), 'ok')).not.toThrow();
  });
});

describe('sha256Hex', () => {
  it('hashes the little-endian bytes', () => {
    const v = new Float32Array([1, 2, 3]);
    const expected = createHash('sha256').update(Buffer.from([0, 0, 0x80, 0x3f, 0, 0, 0, 0x40, 0, 0, 0x40, 0x40])).digest('hex');
    expect(sha256Hex(v)).toBe(expected);
    expect(sha256Hex(new Float32Array([1, 2, 3.0000002]))).not.toBe(expected);
  });
});

describe('meanOf', () => {
  it('averages element-wise', () => {
    expect(Array.from(meanOf([new Float32Array([1, 2]), new Float32Array([3, 6]), new Float32Array([5, 1])]))).toEqual([3, 3]);
  });

  it('accumulates in float64 and rounds once', () => {
    // In float32, 1e8 + 1 - 1e8 loses the 1; float64 keeps it, so the mean of the three is 1/3.
    const out = meanOf([new Float32Array([1e8]), new Float32Array([1]), new Float32Array([-1e8])]);
    expect(out[0]).toBe(Math.fround(1 / 3));
  });

  it('rejects a length mismatch naming the vector, and an empty list', () => {
    expect(() => meanOf([new Float32Array(3), new Float32Array(3), new Float32Array(2)])).toThrow(
      'vector 2 has length 2, expected 3 (the length of vector 0)',
    );
    expect(() => meanOf([])).toThrow(/at least one vector/);
  });
});

describe('addInto / scaleInPlace', () => {
  it('updates in place', () => {
    const t = new Float32Array([1, 2]);
    addInto(t, new Float32Array([10, 20]), 0.5);
    expect(Array.from(t)).toEqual([6, 12]);
    scaleInPlace(t, 2);
    expect(Array.from(t)).toEqual([12, 24]);
    expect(() => addInto(t, new Float32Array(3))).toThrow('source length 3 does not match target length 2');
    expect(() => scaleInPlace(t, NaN)).toThrow(/finite/);
  });
});
