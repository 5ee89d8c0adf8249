/** Entry point for optimisers on flat parameter vectors (see optimizers/sgd.ts and adam.ts). */
import { AdamOptimizer } from './optimizers/adam';
import { SgdOptimizer } from './optimizers/sgd';
import type { FlatOptimizer, OptimizerConfig } from './optimizers/types';

export type { AdamConfig, FlatOptimizer, OptimizerConfig, OptimizerState, SgdConfig } from './optimizers/types';

export function createOptimizer(cfg: OptimizerConfig, numParams: number): FlatOptimizer {
  if (cfg === null || typeof cfg !== 'object') throw new Error('optimizer config must be an object');
  switch (cfg.kind) {
    case 'sgd':
      return new SgdOptimizer(cfg, numParams);
    case 'adam':
      return new AdamOptimizer(cfg, numParams);
    default:
      throw new Error(`optimizer kind must be 'sgd' or 'adam', got '${(cfg as { kind: unknown }).kind}'`);
  }
}
