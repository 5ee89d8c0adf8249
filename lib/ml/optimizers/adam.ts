/**
 * Adam (Kingma & Ba) with bias correction and coupled weight decay, as torch.optim.Adam:
 *   g = grad + wd·p;  m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·g²;
 *   p −= lr · (m / (1−β1^t)) / (sqrt(v / (1−β2^t)) + ε).
 * Arithmetic is float64 per element, stored as float32 (natively when the engine is loaded, as in sgd.ts).
 */
import { checkLearningRate, checkNativeStep, checkNumParams, checkStepInputs, checkStepLengths, importBuffers, nonNegative, positive, unitInterval } from './checks';
import type { AdamConfig, FlatOptimizer, NativeSteps, OptimizerState } from './types';

const sqrt = Math.sqrt; // hoisted: a global lookup per element is slow inside sandboxes such as jest's

export class AdamOptimizer implements FlatOptimizer {
  readonly kind = 'adam';
  readonly numParams: number;
  private lr: number;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;
  private readonly weightDecay: number;
  private steps = 0;
  private m: Float32Array;
  private v: Float32Array;

  constructor(config: AdamConfig, numParams: number, private readonly native: NativeSteps | null = null) {
    this.numParams = checkNumParams(numParams);
    this.lr = checkLearningRate(config.lr);
    this.beta1 = unitInterval(config.beta1, 'beta1', 0.9);
    this.beta2 = unitInterval(config.beta2, 'beta2', 0.999);
    this.epsilon = positive(config.epsilon, 'epsilon', 1e-8);
    this.weightDecay = nonNegative(config.weightDecay, 'weightDecay');
    this.m = new Float32Array(this.numParams);
    this.v = new Float32Array(this.numParams);
  }

  step(params: Float32Array, grad: Float32Array): void {
    const { lr, beta1, beta2, epsilon, weightDecay, m, v, native } = this;
    const t = this.steps + 1;
    const correction1 = 1 - Math.pow(beta1, t);
    const correction2 = 1 - Math.pow(beta2, t);
    if (native !== null) {
      checkStepLengths(params, grad, this.numParams);
      checkNativeStep(native.adamStep(params, grad, m, v, lr, beta1, beta2, epsilon, weightDecay, correction1, correction2), grad);
      this.steps = t;
      return;
    }
    checkStepInputs(params, grad, this.numParams);
    for (let i = 0; i < params.length; i++) {
      const g = grad[i] + weightDecay * params[i];
      const mi = beta1 * m[i] + (1 - beta1) * g;
      const vi = beta2 * v[i] + (1 - beta2) * g * g;
      m[i] = mi;
      v[i] = vi;
      params[i] -= (lr * (mi / correction1)) / (sqrt(vi / correction2) + epsilon);
    }
    this.steps = t;
  }

  exportState(): OptimizerState {
    return { step: this.steps, buffers: { m: Float32Array.from(this.m), v: Float32Array.from(this.v) } };
  }

  importState(state: OptimizerState): void {
    const buffers = importBuffers(state, ['m', 'v'], this.numParams);
    this.m = buffers.m;
    this.v = buffers.v;
    this.steps = state.step;
  }

  setLearningRate(lr: number): void {
    this.lr = checkLearningRate(lr);
  }
}
