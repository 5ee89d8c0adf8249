/**
 * Flat float32 vectors as they travel between workers, stores and the Redis module: little-endian
 * bytes, length carried elsewhere (metadata or a JSON envelope). Pure Node, no tfjs.
 */
import { createHash } from 'node:crypto';

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Little-endian bytes of `v`, always a fresh copy (the caller may keep mutating `v`). */
export function encodeTensor(v: Float32Array): Buffer {
  if (HOST_IS_LITTLE_ENDIAN) {
    return Buffer.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)); // one memcpy
  }
  const out = Buffer.alloc(v.length * 4);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let i = 0; i < v.length; i++) view.setFloat32(i * 4, v[i], true);
  return out;
}

/**
 * Float32 values from little-endian bytes. Returns a copy on its own ArrayBuffer: a Buffer from a
 * socket or the pool may sit at an offset that is not a multiple of 4, which a Float32Array view
 * cannot have.
 */
export function decodeTensor(bytes: Uint8Array, expectedLength?: number): Float32Array {
  if (bytes.byteLength % 4 !== 0) {
    throw new Error(`tensor byte length ${bytes.byteLength} is not a multiple of 4 (float32)`);
  }
  const length = bytes.byteLength / 4;
  if (expectedLength !== undefined && length !== expectedLength) {
    throw new Error(
      `tensor length ${length} (${bytes.byteLength} bytes) does not match expected length ${expectedLength}`,
    );
  }
  const out = new Float32Array(length);
  if (HOST_IS_LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(bytes);
    return out;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/** Throws naming the first NaN or infinite element; `what` says which vector (e.g. 'gradient'). */
export function assertFinite(v: ArrayLike<number>, what: string): void {
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    // x - x is NaN exactly for NaN and ±Infinity; plain arithmetic stays fast even where global
    // lookups like Number.isFinite are slow (jest's sandbox: ~10× slower per call).
    if (x - x !== 0) throw nonFiniteError(v, what, i);
  }
}

/** The error assertFinite throws, for checks done elsewhere (the native optimizer steps). */
export function nonFiniteError(v: ArrayLike<number>, what: string, index: number): Error {
  return new Error(`${what} has a non-finite value ${v[index]} at index ${index} (length ${v.length})`);
}

/** SHA-256 of the little-endian bytes, so equal digests mean bit-identical vectors on any host. */
export function sha256Hex(v: Float32Array): string {
  const bytes = HOST_IS_LITTLE_ENDIAN ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength) : encodeTensor(v);
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Element-wise mean. Sums in the order given, in float64, and rounds to float32 once at the end,
 * so every aggregator that averages the same vectors in the same order gets the same bits.
 */
export function meanOf(vectors: readonly Float32Array[]): Float32Array {
  if (vectors.length === 0) throw new Error('meanOf needs at least one vector');
  const length = vectors[0].length;
  vectors.forEach((v, index) => {
    if (v.length !== length) {
      throw new Error(`vector ${index} has length ${v.length}, expected ${length} (the length of vector 0)`);
    }
  });
  const sums = new Float64Array(length);
  for (const v of vectors) {
    for (let i = 0; i < length; i++) sums[i] += v[i];
  }
  const out = new Float32Array(length);
  const count = vectors.length;
  for (let i = 0; i < length; i++) out[i] = sums[i] / count;
  return out;
}

/** target += scale * source, in place. */
export function addInto(target: Float32Array, source: Float32Array, scale = 1): Float32Array {
  if (source.length !== target.length) {
    throw new Error(`source length ${source.length} does not match target length ${target.length}`);
  }
  for (let i = 0; i < target.length; i++) target[i] += scale * source[i];
  return target;
}

/** v *= factor, in place. */
export function scaleInPlace(v: Float32Array, factor: number): Float32Array {
  if (!Number.isFinite(factor)) throw new Error(`scale factor must be finite, got ${factor}`);
  for (let i = 0; i < v.length; i++) v[i] *= factor;
  return v;
}
