import { createRng, deriveSeed } from '../../ml/random';
import type { SpirtConfig } from './events';

// Attacks for robustness experiments (docs/frameworks/spirt.md: sign flip, Gaussian noise, label flip): the last `attackers` peers misbehave.

export function isAttacker(peer: number, config: Pick<SpirtConfig, 'attack' | 'attackers' | 'workers'>): boolean {
  return config.attack !== 'none' && peer >= config.workers - config.attackers;
}

/** Label flipping: class y becomes (classes − 1 − y), e.g. 9 − y on MNIST. */
export function flipLabels(y: Uint8Array | Int32Array, numClasses: number): void {
  for (let i = 0; i < y.length; i++) y[i] = numClasses - 1 - y[i];
}

/** Sign flipping (×−10) or Gaussian noise (σ = 100) applied to the peer's averaged gradient. */
export function poisonGradient(grad: Float32Array, attack: 'sign-flip' | 'gaussian', seed: number): Float32Array {
  const out = new Float32Array(grad.length);
  if (attack === 'sign-flip') {
    for (let i = 0; i < grad.length; i++) out[i] = -10 * grad[i];
    return out;
  }
  const rng = createRng(deriveSeed(seed, 0x6a55));
  for (let i = 0; i < grad.length; i++) out[i] = grad[i] + 100 * rng.normal();
  return out;
}
