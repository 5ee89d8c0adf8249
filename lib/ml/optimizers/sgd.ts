/**
 * SGD with optional heavy-ball or Nesterov momentum and coupled weight decay, as torch.optim.SGD
 * (dampening 0):  g = grad + wd·p;  buf = μ·buf + g;  p −= lr·(nesterov ? g + μ·buf : buf).
 * Arithmetic is float64 per element, stored as float32.
 */
import { checkLearningRate, checkNumParams, checkStepInputs, importBuffers, nonNegative, unitInterval } from './checks';
import type { FlatOptimizer, OptimizerState, SgdConfig } from './types';

const MOMENTUM_BUFFER = 'momentum';

export class SgdOptimizer implements FlatOptimizer {
  readonly kind = 'sgd';
  readonly numParams: number;
  private lr: number;
  private readonly momentum: number;
  private readonly weightDecay: number;
  private readonly nesterov: boolean;
  private steps = 0;
  private velocity: Float32Array | undefined;

  constructor(config: SgdConfig, numParams: number) {
    this.numParams = checkNumParams(numParams);
    this.lr = checkLearningRate(config.lr);
    this.momentum = unitInterval(config.momentum, 'momentum', 0);
    this.weightDecay = nonNegative(config.weightDecay, 'weightDecay');
    this.nesterov = config.nesterov ?? false;
    if (typeof this.nesterov !== 'boolean') throw new Error(`nesterov must be a boolean, got ${String(config.nesterov)}`);
    if (this.nesterov && this.momentum === 0) throw new Error('nesterov needs momentum > 0');
    this.velocity = this.momentum > 0 ? new Float32Array(this.numParams) : undefined;
  }

  step(params: Float32Array, grad: Float32Array): void {
    checkStepInputs(params, grad, this.numParams);
    const { lr, momentum, weightDecay, nesterov, velocity } = this;
    for (let i = 0; i < params.length; i++) {
      let g = grad[i] + weightDecay * params[i];
      if (velocity !== undefined) {
        const v = momentum * velocity[i] + g;
        velocity[i] = v;
        g = nesterov ? g + momentum * v : v;
      }
      params[i] -= lr * g;
    }
    this.steps++;
  }

  exportState(): OptimizerState {
    const buffers: Record<string, Float32Array> = {};
    if (this.velocity !== undefined) buffers[MOMENTUM_BUFFER] = Float32Array.from(this.velocity);
    return { step: this.steps, buffers };
  }

  importState(state: OptimizerState): void {
    const buffers = importBuffers(state, this.velocity !== undefined ? [MOMENTUM_BUFFER] : [], this.numParams);
    this.velocity = buffers[MOMENTUM_BUFFER];
    this.steps = state.step;
  }

  setLearningRate(lr: number): void {
    this.lr = checkLearningRate(lr);
  }
}
