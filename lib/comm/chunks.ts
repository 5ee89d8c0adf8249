// ScatterReduce cuts a gradient of n values into N contiguous chunks: chunk i has
// floor(n/N) + (i < n mod N ? 1 : 0) values, so the first n mod N chunks are one value longer.

export interface ChunkBounds {
  index: number;
  start: number;
  end: number;
}

export function chunkBounds(length: number, parts: number): ChunkBounds[] {
  if (!Number.isInteger(length) || length < 0) throw new Error(`length must be a whole number, got ${length}`);
  if (!Number.isInteger(parts) || parts < 1) throw new Error(`parts must be a positive whole number, got ${parts}`);
  const base = Math.floor(length / parts);
  const longer = length % parts;
  const bounds: ChunkBounds[] = [];
  for (let index = 0, start = 0; index < parts; index++) {
    const end = start + base + (index < longer ? 1 : 0);
    bounds.push({ index, start, end });
    start = end;
  }
  return bounds;
}
