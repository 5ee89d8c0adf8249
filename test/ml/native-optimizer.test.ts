/**
 * The native engine's fused optimizer steps (native/src/optimizer.cc) against the TypeScript loops
 * (lib/ml/optimizers/): bit-identical parameters and buffers after many steps for every variant, the
 * same refusal of a non-finite gradient, and createOptimizer choosing them once the engine is loaded.
 * Skipped, with the reason printed, where the addon is not built.
 */
import { createOptimizer, nativeSteps, type OptimizerConfig } from '../../lib/ml/optimizers';
import { loadNativeEngine } from '../../lib/ml/native/addon';
import { createRng } from '../../lib/ml/random';
import { sha256Hex } from '../../lib/ml/tensor';

const { engine, reason } = loadNativeEngine();
if (engine === undefined) process.stdout.write(`skipping the native optimizer tests: ${reason}\n`);
const describeNative = engine === undefined ? describe.skip : describe;

const CONFIGS: OptimizerConfig[] = [
  { kind: 'sgd', lr: 0.05 },
  { kind: 'sgd', lr: 0.1, weightDecay: 0.01 },
  { kind: 'sgd', lr: 0.05, momentum: 0.9 },
  { kind: 'sgd', lr: 0.03, momentum: 0.7, weightDecay: 5e-4 },
  { kind: 'sgd', lr: 0.02, momentum: 0.9, weightDecay: 1e-3, nesterov: true },
  { kind: 'adam', lr: 1e-3 },
  { kind: 'adam', lr: 0.01, beta1: 0.8, beta2: 0.99, epsilon: 1e-6, weightDecay: 0.01 },
];

/** Values over many magnitudes, so rounding differences would show; made once, read at offsets. */
const POOL = ((): Float32Array => {
  const rng = createRng(7);
  const scales = [1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1, 10, 100];
  return Float32Array.from({ length: 8192 }, () => (rng.next() - 0.5) * scales[rng.int(scales.length)]);
})();

function randomVector(n: number, offset: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => POOL[(offset * 131 + i) % POOL.length]);
}

describeNative('native optimizer steps', () => {
  it.each(CONFIGS.map((c) => [JSON.stringify(c), c] as const))('%s: bit-identical to the TypeScript step over 20 steps', (_name, config) => {
    for (const n of [1, 7, 5000]) {
      const loops = createOptimizer(config, n, null);
      const fused = createOptimizer(config, n, engine?.addon);
      const a = randomVector(n, 0);
      const b = Float32Array.from(a);
      for (let step = 0; step < 20; step++) {
        const grad = randomVector(n, 1 + step);
        loops.step(a, grad);
        fused.step(b, grad);
      }
      expect(sha256Hex(b)).toBe(sha256Hex(a));
      const [sa, sb] = [loops.exportState(), fused.exportState()];
      expect(sb.step).toBe(20);
      for (const name of Object.keys(sa.buffers)) expect(sha256Hex(sb.buffers[name])).toBe(sha256Hex(sa.buffers[name]));
      expect(Object.keys(sb.buffers)).toEqual(Object.keys(sa.buffers));
    }
  });

  it('moves the parameters (the comparison above is not of two no-ops)', () => {
    const params = new Float32Array([1, 2, 3]);
    createOptimizer({ kind: 'sgd', lr: 0.5, momentum: 0.9 }, 3, engine?.addon).step(params, new Float32Array([1, -2, 0.5]));
    expect(Array.from(params)).toEqual([0.5, 3, 2.75]);
  });

  it.each(CONFIGS.map((c) => [c.kind, c] as const))('%s refuses a non-finite gradient with the same message, touching nothing', (_kind, config) => {
    const fused = createOptimizer(config, 4, engine?.addon);
    const params = new Float32Array([1, 2, 3, 4]);
    expect(() => fused.step(params, new Float32Array([0.1, 0.2, Infinity, NaN]))).toThrow(
      'gradient has a non-finite value Infinity at index 2 (length 4)',
    );
    expect(() => fused.step(params, new Float32Array(5))).toThrow('gradient length 5 does not match optimizer parameter count 4');
    expect(Array.from(params)).toEqual([1, 2, 3, 4]);
    expect(fused.exportState().step).toBe(0);
    expect(Object.values(fused.exportState().buffers).every((buffer) => buffer.every((x) => x === 0))).toBe(true);
  });

  it('createOptimizer uses them once the engine is loaded', () => {
    expect(nativeSteps()).toBe(engine?.addon);
  });

  it('the addon refuses mismatched buffers instead of reading past them', () => {
    const addon = engine!.addon;
    expect(() => addon.sgdStep(new Float32Array(4), new Float32Array(3), null, 0.1, 0, 0, false)).toThrow('grad has length 3, expected 4');
    expect(() => addon.sgdStep(new Float32Array(4), new Float32Array(4), new Float32Array(2), 0.1, 0.9, 0, false)).toThrow('velocity has length 2');
  });
});
