/**
 * A lossless one-byte form for features that take at most 256 distinct values per channel: image
 * pixels scaled from bytes (MNIST's v/255, CIFAR-10's per-channel (v − mean)/std). Stored, it is a
 * float32 little-endian table of 256 entries per channel followed by one uint8 index per value, so
 * a shard is about 4× smaller than its float32 form and decodes to the very same bits.
 */

export const CODEBOOK_SIZE = 256;

/** Values of channel c sit at positions i with i % channels === c (channels last, as featureShape). */
export function codebookChannels(featureShape: readonly number[]): number {
  // A flat feature vector (tabular or synthetic data) has one table for all of it.
  return featureShape.length >= 3 ? featureShape[featureShape.length - 1] : 1;
}

export function codebookBytes(values: number, channels: number): number {
  return channels * CODEBOOK_SIZE * 4 + values;
}

/**
 * The coded form of `x`, or undefined when some channel has more than 256 distinct values or the
 * tables would outweigh the saving (then the features stay float32). Values are compared by their
 * bits, so −0, 0 and every NaN stay apart.
 */
export function encodeCodebook(x: Float32Array, channels: number): Buffer | undefined {
  if (!Number.isInteger(channels) || channels < 1 || x.length % channels !== 0) {
    throw new Error(`channels must be a positive integer dividing the ${x.length} values, got ${channels}`);
  }
  if (codebookBytes(x.length, channels) >= x.length * 4) return undefined;
  const bits = new Uint32Array(x.buffer, x.byteOffset, x.length);
  const indexOf = Array.from({ length: channels }, () => new Map<number, number>());
  const tableBytes = channels * CODEBOOK_SIZE * 4;
  const out = Buffer.alloc(codebookBytes(x.length, channels));
  const tableBits = new Uint32Array(channels * CODEBOOK_SIZE);
  // Neighbouring pixels repeat (MNIST is mostly 0): remembering the last hit per channel halves the time.
  const lastBits = new Float64Array(channels).fill(-1);
  const lastIndex = new Uint8Array(channels);
  for (let i = 0, c = 0; i < bits.length; i++, c = c + 1 === channels ? 0 : c + 1) {
    const b = bits[i];
    if (b === lastBits[c]) {
      out[tableBytes + i] = lastIndex[c];
      continue;
    }
    const seen = indexOf[c];
    let k = seen.get(b);
    if (k === undefined) {
      if (seen.size === CODEBOOK_SIZE) return undefined;
      k = seen.size;
      seen.set(b, k);
      tableBits[c * CODEBOOK_SIZE + k] = b;
    }
    lastBits[c] = b;
    lastIndex[c] = k;
    out[tableBytes + i] = k;
  }
  for (let i = 0; i < tableBits.length; i++) out.writeUInt32LE(tableBits[i], i * 4);
  return out;
}

/** The float32 features back from their coded form; `values` is count × features per row. */
export function decodeCodebook(bytes: Uint8Array, values: number, channels: number): Float32Array {
  if (bytes.byteLength !== codebookBytes(values, channels)) {
    throw new Error(`coded features: got ${bytes.byteLength} bytes, expected ${codebookBytes(values, channels)} (${channels} × ${CODEBOOK_SIZE} float32 table entries and ${values} indices)`);
  }
  const tableBytes = channels * CODEBOOK_SIZE * 4;
  const table = new Uint32Array(channels * CODEBOOK_SIZE);
  const view = new DataView(bytes.buffer, bytes.byteOffset, tableBytes);
  for (let i = 0; i < table.length; i++) table[i] = view.getUint32(i * 4, true);
  const indices = bytes.subarray(tableBytes);
  // Copied as bits, not as numbers, so every value (NaN payloads included) comes back as stored.
  const xBits = new Uint32Array(values);
  if (channels === 1) {
    for (let i = 0; i < values; i++) xBits[i] = table[indices[i]];
  } else {
    for (let i = 0, c = 0; i < values; i++, c = c + 1 === channels ? 0 : c + 1) xBits[i] = table[c * CODEBOOK_SIZE + indices[i]];
  }
  return new Float32Array(xBits.buffer);
}
