/** Optimisers on flat Float32Array parameter vectors: plain loops, no tfjs, checkpointable. */
import type { NativeAddon } from '../native/addon';

/** The native engine's fused steps (bit-identical to the TypeScript loops). */
export type NativeSteps = Pick<NativeAddon, 'sgdStep' | 'adamStep'>;

export interface SgdConfig {
  kind: 'sgd';
  lr: number;
  /** Heavy-ball momentum in [0, 1); 0 (default) is plain SGD. */
  momentum?: number;
  /** L2 penalty added to the gradient (coupled, as torch.optim.SGD). */
  weightDecay?: number;
  nesterov?: boolean;
}

export interface AdamConfig {
  kind: 'adam';
  lr: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** L2 penalty added to the gradient (coupled, as torch.optim.Adam; not AdamW's decoupled decay). */
  weightDecay?: number;
}

export type OptimizerConfig = SgdConfig | AdamConfig;

export interface OptimizerState {
  /** Number of steps taken so far. */
  step: number;
  buffers: Record<string, Float32Array>;
}

export interface FlatOptimizer {
  readonly kind: OptimizerConfig['kind'];
  readonly numParams: number;
  /** params ← update(params, grad), in place. Rejects a wrong length or a non-finite gradient before touching params. */
  step(params: Float32Array, grad: Float32Array): void;
  /** A copy of the step count and buffers. */
  exportState(): OptimizerState;
  /** Restores exported state; { step: 0, buffers: {} } resets to a fresh optimiser. */
  importState(state: OptimizerState): void;
  setLearningRate(lr: number): void;
}
