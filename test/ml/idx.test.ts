import { parseIdx } from '../../lib/ml/data/idx';

function idx(typeCode: number, dims: number[], data: number[]): Uint8Array {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = typeCode;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return new Uint8Array(Buffer.concat([header, Buffer.from(data)]));
}

describe('parseIdx', () => {
  it('reads big-endian dimensions and the uint8 data', () => {
    const parsed = parseIdx(idx(0x08, [2, 3], [1, 2, 3, 4, 5, 6]));
    expect(parsed.dims).toEqual([2, 3]);
    expect(Array.from(parsed.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('reads dimensions above 65535 (all four bytes)', () => {
    expect(parseIdx(idx(0x08, [70000], new Array(70000).fill(7))).dims).toEqual([70000]);
  });

  it('rejects a bad magic number, hinting at gzip', () => {
    expect(() => parseIdx(new Uint8Array([0x1f, 0x8b, 8, 1, 0, 0, 0, 0]), 'labels.gz')).toThrow(
      'labels.gz: bad magic number, first two bytes must be 0x00 0x00, got 0x1f 0x8b (it looks gzip-compressed; gunzip it first)',
    );
  });

  it('rejects unsupported element types by name', () => {
    expect(() => parseIdx(idx(0x0d, [1], [0, 0, 0, 0]))).toThrow('element type 0x0d (float32) is not supported, only 0x08 (uint8)');
  });

  it('rejects truncated headers and data, and trailing bytes', () => {
    expect(() => parseIdx(new Uint8Array([0, 0]), 'f')).toThrow('f: 2 bytes is shorter than the 4-byte IDX header');
    expect(() => parseIdx(idx(0x08, [2, 3], []).subarray(0, 9), 'f')).toThrow(
      'f: truncated header, 2 dimensions need 12 bytes but the file has 9',
    );
    expect(() => parseIdx(idx(0x08, [2, 3], [1, 2, 3]), 'f')).toThrow('f: truncated, dimensions [2, 3] need 6 data bytes but the file has 3');
    expect(() => parseIdx(idx(0x08, [2], [1, 2, 3]), 'f')).toThrow('f: 1 unexpected trailing bytes after the [2] data');
  });
});
