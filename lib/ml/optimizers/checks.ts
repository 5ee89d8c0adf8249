/** Validation shared by the optimisers; every message names the field at fault. */
import { assertFinite, nonFiniteError } from '../tensor';
import type { OptimizerState } from './types';

export function checkLearningRate(lr: number): number {
  if (typeof lr !== 'number' || !Number.isFinite(lr) || lr <= 0) throw new Error(`lr must be a finite number > 0, got ${lr}`);
  return lr;
}

/** A value in [0, 1), or the default when undefined. */
export function unitInterval(value: number | undefined, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value >= 1) {
    throw new Error(`${field} must be a number in [0, 1), got ${value}`);
  }
  return value;
}

export function nonNegative(value: number | undefined, field: string): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new Error(`${field} must be a finite number ≥ 0, got ${value}`);
  return value;
}

export function positive(value: number | undefined, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new Error(`${field} must be a finite number > 0, got ${value}`);
  return value;
}

export function checkNumParams(numParams: number): number {
  if (!Number.isInteger(numParams) || numParams < 1) throw new Error(`numParams must be a positive integer, got ${numParams}`);
  return numParams;
}

export function checkStepLengths(params: Float32Array, grad: Float32Array, numParams: number): void {
  if (params.length !== numParams) throw new Error(`params length ${params.length} does not match optimizer parameter count ${numParams}`);
  if (grad.length !== numParams) throw new Error(`gradient length ${grad.length} does not match optimizer parameter count ${numParams}`);
}

export function checkStepInputs(params: Float32Array, grad: Float32Array, numParams: number): void {
  checkStepLengths(params, grad, numParams);
  assertFinite(grad, 'gradient');
}

/** A native step's answer: -1 when it stepped, else the index of the non-finite gradient value it refused. */
export function checkNativeStep(result: number, grad: Float32Array): void {
  if (result >= 0) throw nonFiniteError(grad, 'gradient', result);
}

/**
 * Copies the named buffers out of an exported state. A buffer may be absent only at step 0
 * (a fresh optimiser); names the optimiser does not know are refused.
 */
export function importBuffers(state: OptimizerState, names: readonly string[], numParams: number): Record<string, Float32Array> {
  if (!Number.isSafeInteger(state.step) || state.step < 0) throw new Error(`optimizer state step must be an integer ≥ 0, got ${state.step}`);
  const buffers = state.buffers ?? {};
  for (const name of Object.keys(buffers)) {
    if (!names.includes(name)) throw new Error(`optimizer state has unknown buffer '${name}' (expected ${names.join(', ') || 'none'})`);
  }
  const out: Record<string, Float32Array> = {};
  for (const name of names) {
    const buffer = buffers[name];
    if (buffer === undefined) {
      if (state.step > 0) throw new Error(`optimizer state at step ${state.step} is missing buffer '${name}'`);
      out[name] = new Float32Array(numParams);
      continue;
    }
    if (buffer.length !== numParams) {
      throw new Error(`optimizer state buffer '${name}' length ${buffer.length} does not match parameter count ${numParams}`);
    }
    assertFinite(buffer, `optimizer state buffer '${name}'`);
    out[name] = Float32Array.from(buffer);
  }
  return out;
}
