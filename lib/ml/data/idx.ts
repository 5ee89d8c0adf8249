/**
 * The IDX format of the MNIST files: two zero bytes, a type code, the number of dimensions, the
 * dimensions as big-endian uint32, then the data. Only unsigned bytes (type 0x08) are needed.
 */

export interface IdxArray {
  dims: number[];
  /** A view into the input bytes (not a copy). */
  data: Uint8Array;
}

const UINT8_TYPE = 0x08;
const TYPE_NAMES: Record<number, string> = { 0x08: 'uint8', 0x09: 'int8', 0x0b: 'int16', 0x0c: 'int32', 0x0d: 'float32', 0x0e: 'float64' };

export function parseIdx(bytes: Uint8Array, source = 'IDX data'): IdxArray {
  if (bytes.length < 4) throw new Error(`${source}: ${bytes.length} bytes is shorter than the 4-byte IDX header`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const hint = bytes[0] === 0x1f && bytes[1] === 0x8b ? ' (it looks gzip-compressed; gunzip it first)' : '';
    throw new Error(`${source}: bad magic number, first two bytes must be 0x00 0x00, got 0x${hex(bytes[0])} 0x${hex(bytes[1])}${hint}`);
  }
  const typeCode = bytes[2];
  if (typeCode !== UINT8_TYPE) {
    throw new Error(`${source}: element type 0x${hex(typeCode)} (${TYPE_NAMES[typeCode] ?? 'unknown'}) is not supported, only 0x08 (uint8)`);
  }
  const rank = bytes[3];
  if (rank === 0) throw new Error(`${source}: header declares 0 dimensions`);
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw new Error(`${source}: truncated header, ${rank} dimensions need ${headerBytes} bytes but the file has ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const expected = dims.reduce((a, b) => a * b, 1);
  const actual = bytes.length - headerBytes;
  if (actual < expected) {
    throw new Error(`${source}: truncated, dimensions [${dims.join(', ')}] need ${expected} data bytes but the file has ${actual}`);
  }
  if (actual > expected) {
    throw new Error(`${source}: ${actual - expected} unexpected trailing bytes after the [${dims.join(', ')}] data`);
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}
