/**
 * Seeded initial values for the papers' networks, one RNG stream per tensor (as init.ts): conv
 * kernels He-normal over the fan-out (torchvision's choice for these networks), dense kernels
 * Glorot-uniform, batch norm γ = 1 and β = 0, biases 0.
 */
import { createRng, deriveSeed } from '../../random';
import type { LayoutEntry } from '../types';

export type ParamInit = { kind: 'he-normal'; fanOut: number } | { kind: 'glorot-uniform' } | { kind: 'ones' } | { kind: 'zeros' };

function fill(params: Float32Array, entry: LayoutEntry, init: ParamInit, seed: number): void {
  const view = params.subarray(entry.offset, entry.offset + entry.size);
  if (init.kind === 'zeros') return;
  if (init.kind === 'ones') {
    view.fill(1);
    return;
  }
  const rng = createRng(seed);
  if (init.kind === 'he-normal') {
    const std = Math.sqrt(2 / init.fanOut);
    for (let i = 0; i < view.length; i++) view[i] = rng.normal() * std;
    return;
  }
  const [fanIn, fanOut] = entry.shape;
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  for (let i = 0; i < view.length; i++) view[i] = (2 * rng.next() - 1) * limit;
}

export function paperInitialParams(layout: readonly LayoutEntry[], inits: readonly ParamInit[], numParams: number, seed: number): Float32Array {
  const params = new Float32Array(numParams);
  layout.forEach((entry, index) => fill(params, entry, inits[index], deriveSeed(seed, index)));
  return params;
}
