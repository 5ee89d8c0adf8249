/**
 * Initial parameters from our own seeded RNG, identical on every worker and peer (tfjs's
 * initialisers are unseeded). Glorot-uniform kernels, zero biases.
 */
import { createRng, deriveSeed } from '../random';
import type { LayoutEntry } from './types';

/** Keras's fan computation: dense [in, out]; conv [kh, kw, in, out] scaled by the receptive field. */
function fans(shape: number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 2) return { fanIn: shape[0], fanOut: shape[1] };
  const receptiveField = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[shape.length - 2] * receptiveField, fanOut: shape[shape.length - 1] * receptiveField };
}

function isKernel(entry: LayoutEntry): boolean {
  return entry.shape.length >= 2;
}

export function glorotUniformParams(layout: readonly LayoutEntry[], numParams: number, seed: number): Float32Array {
  const params = new Float32Array(numParams);
  layout.forEach((entry, index) => {
    if (!isKernel(entry)) return; // biases stay zero
    // One stream per tensor, so changing one layer's size does not reshuffle the others.
    const rng = createRng(deriveSeed(seed, index));
    const { fanIn, fanOut } = fans(entry.shape);
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    for (let i = 0; i < entry.size; i++) params[entry.offset + i] = (2 * rng.next() - 1) * limit;
  });
  return params;
}
