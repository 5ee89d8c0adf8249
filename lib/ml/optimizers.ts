/** Entry point for optimisers on flat parameter vectors (see optimizers/sgd.ts and adam.ts). */
import { loadedNativeEngine } from './native/addon';
import { AdamOptimizer } from './optimizers/adam';
import { SgdOptimizer } from './optimizers/sgd';
import type { FlatOptimizer, NativeSteps, OptimizerConfig } from './optimizers/types';

export type { AdamConfig, FlatOptimizer, OptimizerConfig, OptimizerState, SgdConfig } from './optimizers/types';

/**
 * The native engine's fused steps when this process has loaded the engine (backend native, or a
 * caller that loaded it); an addon built before they existed lacks them and the loops run instead.
 */
export function nativeSteps(): NativeSteps | undefined {
  const addon = loadedNativeEngine()?.addon;
  return typeof addon?.sgdStep === 'function' && typeof addon.adamStep === 'function' ? addon : undefined;
}

/** native: the fused steps to use (default: nativeSteps()); null keeps the TypeScript loops. */
export function createOptimizer(cfg: OptimizerConfig, numParams: number, native: NativeSteps | null = nativeSteps() ?? null): FlatOptimizer {
  if (cfg === null || typeof cfg !== 'object') throw new Error('optimizer config must be an object');
  switch (cfg.kind) {
    case 'sgd':
      return new SgdOptimizer(cfg, numParams, native);
    case 'adam':
      return new AdamOptimizer(cfg, numParams, native);
    default:
      throw new Error(`optimizer kind must be 'sgd' or 'adam', got '${(cfg as { kind: unknown }).kind}'`);
  }
}
