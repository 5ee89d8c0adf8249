import { assertFinite } from '../ml/tensor';

// MLLESS's significance filter (Gimeno Sarroca & Sánchez-Artigas): a worker adds every gradient to
// an accumulated update and sends only the entries that have become significant relative to the
// parameter they change, |acc / param| > threshold / sqrt(step). What it sends leaves the
// accumulator; the rest keeps accumulating until it is significant, so nothing is ever dropped,
// only delayed. What travels is sparse: indices (uint32) and values (float32), little-endian.

/**
 * Parameters this close to zero count as this large: a parameter at zero would otherwise make any
 * change to it infinitely significant (and 0/0 is NaN, never significant).
 */
export const PARAM_FLOOR = 1e-3;

/** The threshold at global step `step` (1, 2, ...): it decays as 1/sqrt(step), as in MLLESS. */
export function decayedThreshold(threshold: number, step: number): number {
  if (!(threshold >= 0) || !Number.isFinite(threshold)) throw new Error(`threshold must be a finite number ≥ 0, got ${threshold}`);
  if (!Number.isInteger(step) || step < 1) throw new Error(`step must be an integer ≥ 1, got ${step}`);
  return threshold / Math.sqrt(step);
}

/**
 * Part of an update vector of `length` entries: `values[i]` belongs at `indices[i]`. Without
 * indices the update is dense: `values` holds every entry in order.
 */
export interface SparseUpdate {
  length: number;
  indices?: Uint32Array;
  values: Float32Array;
}

/** How many entries an update carries. */
export function entryCount(update: SparseUpdate): number {
  return update.values.length;
}

export class UpdateAccumulator {
  private readonly acc: Float32Array;

  constructor(readonly length: number, initial?: Float32Array) {
    if (!Number.isInteger(length) || length < 1) throw new Error(`accumulator length must be a positive integer, got ${length}`);
    if (initial && initial.length !== length) throw new Error(`accumulated update has length ${initial.length}, expected ${length}`);
    this.acc = initial ? Float32Array.from(initial) : new Float32Array(length);
  }

  /** acc += gradient. Refuses a wrong length or a non-finite value before touching anything. */
  add(gradient: Float32Array): void {
    if (gradient.length !== this.length) throw new Error(`gradient has length ${gradient.length}, the accumulator ${this.length}`);
    assertFinite(gradient, 'gradient');
    const acc = this.acc;
    for (let i = 0; i < acc.length; i++) acc[i] += gradient[i];
  }

  /**
   * Removes and returns the entries with |acc| > threshold · max(|param|, PARAM_FLOOR), i.e.
   * |acc / param| > threshold with the floor guarding parameters near zero. Entries that are
   * exactly zero are never sent, whatever the threshold.
   */
  takeSignificant(params: Float32Array, threshold: number): SparseUpdate {
    if (params.length !== this.length) throw new Error(`parameters have length ${params.length}, the accumulator ${this.length}`);
    if (!(threshold >= 0) || !Number.isFinite(threshold)) throw new Error(`threshold must be a finite number ≥ 0, got ${threshold}`);
    const acc = this.acc;
    const abs = Math.abs;
    const picked = new Uint32Array(acc.length);
    let count = 0;
    for (let i = 0; i < acc.length; i++) {
      const a = acc[i];
      if (a === 0) continue;
      const p = abs(params[i]);
      if (abs(a) > threshold * (p > PARAM_FLOOR ? p : PARAM_FLOOR)) picked[count++] = i;
    }
    const indices = picked.slice(0, count);
    const values = new Float32Array(count);
    for (let j = 0; j < count; j++) {
      values[j] = acc[indices[j]];
      acc[indices[j]] = 0;
    }
    return { length: this.length, indices, values };
  }

  /** Removes and returns everything accumulated, dense (the `all` variant). */
  takeAll(): SparseUpdate {
    const values = Float32Array.from(this.acc);
    this.acc.fill(0);
    return { length: this.length, values };
  }

  /** A copy of what is still waiting to be sent (for checkpoints). */
  snapshot(): Float32Array {
    return Float32Array.from(this.acc);
  }
}

/** sums[i] += update's value at i, for every entry the update carries. */
export function addUpdateInto(sums: Float64Array | Float32Array, update: SparseUpdate): void {
  if (sums.length !== update.length) throw new Error(`update has length ${update.length}, expected ${sums.length}`);
  const { indices, values } = update;
  if (!indices) {
    for (let i = 0; i < values.length; i++) sums[i] += values[i];
    return;
  }
  for (let j = 0; j < values.length; j++) sums[indices[j]] += values[j];
}

/**
 * The element-wise mean over `workers` of the updates received: entries a worker did not send
 * count as zero this step (they are still accumulating on that worker). Summed in the order given,
 * in float64, rounded to float32 once, so every worker averaging the same updates in the same
 * order gets the same bits (and a dense update from every worker gives exactly their mean).
 */
export function averageUpdates(updates: readonly SparseUpdate[], length: number, workers: number): Float32Array {
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`workers must be a positive integer, got ${workers}`);
  const sums = new Float64Array(length);
  for (const update of updates) addUpdateInto(sums, update);
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = sums[i] / workers;
  return out;
}

// ---- wire format -------------------------------------------------------------------------------
// 16-byte header, then the entries, all little-endian:
//   0  "MLSU"  magic                       8  uint32  length of the full vector
//   4  uint8   version (1)                 12 uint32  count of entries carried
//   5  uint8   format: 0 sparse, 1 dense
//   6  uint16  reserved (0)
//   16 sparse: count × uint32 indices (strictly increasing), then count × float32 values
//      dense:  length × float32 values (count = length)
// A sparse update denser than half the vector is written dense (4 bytes per entry instead of 8,
// unsent entries as zeros): the same update, fewer bytes.

const MAGIC = 0x55534c4d; // "MLSU" read as a little-endian uint32
const VERSION = 1;
const HEADER_BYTES = 16;
const FORMAT_SPARSE = 0;
const FORMAT_DENSE = 1;

/** Bytes `encodeUpdate` will produce for this update. */
export function encodedSize(update: SparseUpdate): number {
  return HEADER_BYTES + 4 * Math.min(update.indices ? 2 * update.values.length : update.length, update.length);
}

export function encodeUpdate(update: SparseUpdate): Buffer {
  const { length, indices, values } = update;
  if (indices && indices.length !== values.length) throw new Error(`update has ${indices.length} indices but ${values.length} values`);
  if (!indices && values.length !== length) throw new Error(`dense update has ${values.length} values, expected ${length}`);
  const dense = !indices || 2 * values.length >= length;
  const count = dense ? length : values.length;
  const out = Buffer.alloc(HEADER_BYTES + (dense ? 4 * length : 8 * count));
  out.writeUInt32LE(MAGIC, 0);
  out.writeUInt8(VERSION, 4);
  out.writeUInt8(dense ? FORMAT_DENSE : FORMAT_SPARSE, 5);
  out.writeUInt32LE(length, 8);
  out.writeUInt32LE(count, 12);
  if (dense) {
    const full = indices ? scatter(update) : values;
    for (let i = 0; i < length; i++) out.writeFloatLE(full[i], HEADER_BYTES + 4 * i);
    return out;
  }
  const valuesAt = HEADER_BYTES + 4 * count;
  for (let j = 0; j < count; j++) {
    out.writeUInt32LE(indices![j], HEADER_BYTES + 4 * j);
    out.writeFloatLE(values[j], valuesAt + 4 * j);
  }
  return out;
}

function scatter(update: SparseUpdate): Float32Array {
  const full = new Float32Array(update.length);
  addUpdateInto(full, update);
  return full;
}

/** Parses and checks an encoded update; every problem is named (and nothing is half-decoded). */
export function decodeUpdate(bytes: Uint8Array, expectedLength: number): SparseUpdate {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.byteLength < HEADER_BYTES) throw new Error(`update is ${buf.byteLength} bytes, shorter than its ${HEADER_BYTES}-byte header`);
  if (buf.readUInt32LE(0) !== MAGIC) throw new Error('update does not start with the MLSU magic bytes');
  const version = buf.readUInt8(4);
  if (version !== VERSION) throw new Error(`update has format version ${version}, expected ${VERSION}`);
  const format = buf.readUInt8(5);
  const length = buf.readUInt32LE(8);
  const count = buf.readUInt32LE(12);
  if (length !== expectedLength) throw new Error(`update is for a vector of ${length} entries, the model has ${expectedLength}`);
  if (format === FORMAT_DENSE) {
    if (count !== length) throw new Error(`dense update carries ${count} entries for a vector of ${length}`);
    expectBytes(buf, HEADER_BYTES + 4 * length, 'dense', count);
    const values = new Float32Array(length);
    for (let i = 0; i < length; i++) values[i] = buf.readFloatLE(HEADER_BYTES + 4 * i);
    assertFinite(values, 'update');
    return { length, values };
  }
  if (format !== FORMAT_SPARSE) throw new Error(`update has unknown format ${format}`);
  if (count > length) throw new Error(`sparse update carries ${count} entries for a vector of ${length}`);
  expectBytes(buf, HEADER_BYTES + 8 * count, 'sparse', count);
  const indices = new Uint32Array(count);
  const values = new Float32Array(count);
  const valuesAt = HEADER_BYTES + 4 * count;
  let previous = -1;
  for (let j = 0; j < count; j++) {
    const index = buf.readUInt32LE(HEADER_BYTES + 4 * j);
    if (index <= previous || index >= length) {
      throw new Error(`sparse update index ${index} at position ${j} is ${index >= length ? `outside [0, ${length})` : 'not increasing'}`);
    }
    indices[j] = index;
    values[j] = buf.readFloatLE(valuesAt + 4 * j);
    previous = index;
  }
  assertFinite(values, 'update');
  return { length, indices, values };
}

function expectBytes(buf: Buffer, expected: number, format: string, count: number): void {
  if (buf.byteLength !== expected) throw new Error(`${format} update of ${count} entries must be ${expected} bytes, got ${buf.byteLength}`);
}
