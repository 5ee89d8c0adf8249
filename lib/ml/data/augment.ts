/**
 * The standard CIFAR training augmentation, applied to a batch as it is assembled: a random
 * 4-pixel zero-padded crop (shift by −4…4 in each direction, zeros where the shifted image leaves
 * the frame; inputs are normalised, so zero is the channel mean) and a horizontal flip with
 * probability ½. Rows are [height, width, channels] flattened.
 */
import { createRng } from '../random';

export const CROP_PADDING = 4;

export interface ImageGeometry {
  height: number;
  width: number;
  channels: number;
}

/** Rewrites every row of x in place, drawing each row's shift and flip from `seed`. */
export function cropAndFlip(x: Float32Array, count: number, g: ImageGeometry, seed: number): void {
  const rng = createRng(seed);
  const rowSize = g.height * g.width * g.channels;
  const source = new Float32Array(rowSize);
  for (let r = 0; r < count; r++) {
    const dy = rng.int(2 * CROP_PADDING + 1) - CROP_PADDING;
    const dx = rng.int(2 * CROP_PADDING + 1) - CROP_PADDING;
    const flip = rng.next() < 0.5;
    const row = x.subarray(r * rowSize, (r + 1) * rowSize);
    source.set(row);
    for (let i = 0; i < g.height; i++) {
      const si = i + dy;
      for (let j = 0; j < g.width; j++) {
        const sj = (flip ? g.width - 1 - j : j) + dx;
        const out = (i * g.width + j) * g.channels;
        const inside = si >= 0 && si < g.height && sj >= 0 && sj < g.width;
        for (let c = 0; c < g.channels; c++) row[out + c] = inside ? source[(si * g.width + sj) * g.channels + c] : 0;
      }
    }
  }
}
