import { createOptimizer, type FlatOptimizer, type OptimizerConfig } from '../../lib/ml/optimizers';
import { createRng } from '../../lib/ml/random';

function stepWith(opt: FlatOptimizer, params: Float32Array, grads: number[][]): number[][] {
  return grads.map((g) => {
    opt.step(params, new Float32Array(g));
    return Array.from(params);
  });
}

function expectClose(actual: number[], expected: number[], digits = 6): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => expect(a).toBeCloseTo(expected[i], digits));
}

describe('sgd', () => {
  it('plain sgd: p -= lr * g', () => {
    const p = new Float32Array([1, -1]);
    createOptimizer({ kind: 'sgd', lr: 0.5 }, 2).step(p, new Float32Array([2, -4]));
    expect(Array.from(p)).toEqual([0, 1]);
  });

  it('momentum 0.9 with weight decay 0.01 matches hand-computed steps', () => {
    // g' = g + 0.01 p;  buf = 0.9 buf + g';  p -= 0.1 buf
    // step 1: g' = [0.51, 0.23], buf = g', p = [0.949, -2.023]
    // step 2: g' = [0.50949, 0.22977], buf = [0.96849, 0.43677], p = [0.852151, -2.066677]
    // step 3: g' = [0.50852151, 0.22933323], buf = [1.38016251, 0.62242623], p = [0.714134749, -2.128919623]
    const p = new Float32Array([1, -2]);
    const opt = createOptimizer({ kind: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 0.01 }, 2);
    const trace = stepWith(opt, p, [[0.5, 0.25], [0.5, 0.25], [0.5, 0.25]]);
    expectClose(trace[0], [0.949, -2.023]);
    expectClose(trace[1], [0.852151, -2.066677]);
    expectClose(trace[2], [0.714134749, -2.128919623]);
    const state = opt.exportState();
    expect(state.step).toBe(3);
    expectClose(Array.from(state.buffers.momentum), [1.38016251, 0.62242623]);
  });

  it('nesterov uses g + momentum * buf', () => {
    // step 1: buf = 1, update = 1 + 0.9 = 1.9, p = 0.81;  step 2: buf = 1.9, update = 2.71, p = 0.539
    const p = new Float32Array([1]);
    const trace = stepWith(createOptimizer({ kind: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true }, 1), p, [[1], [1]]);
    expectClose(trace[0], [0.81]);
    expectClose(trace[1], [0.539]);
  });

  it('has no buffers without momentum', () => {
    expect(createOptimizer({ kind: 'sgd', lr: 0.1 }, 3).exportState()).toEqual({ step: 0, buffers: {} });
  });
});

describe('adam', () => {
  it('applies bias correction (hand-computed, lr 0.1, default betas)', () => {
    // t=1: m=0.05, v=0.00025, m̂=0.5, v̂=0.25 → p = 1 − 0.1·0.5/(0.5+1e-8) = 0.900000002
    // t=2: m=−0.055, v=0.00124975, m̂=−0.289473684, v̂=0.625187594 → p = 0.936610354
    // t=3: m=0.1505, v=0.00524850025, m̂=0.555719557, v̂=1.750975… → p = 0.894644793
    const p = new Float32Array([1]);
    const trace = stepWith(createOptimizer({ kind: 'adam', lr: 0.1 }, 1), p, [[0.5], [-1], [2]]);
    expectClose(trace[0], [0.900000002]);
    expectClose(trace[1], [0.936610354]);
    expectClose(trace[2], [0.894644793]);
  });

  it('adds coupled weight decay to the gradient', () => {
    // t=1: g = 0.5 + 0.1·1 = 0.6 → p = 1 − 0.01 ≈ 0.99; t=2: g = −1 + 0.099 = −0.901 → p = 0.992481989
    const p = new Float32Array([1]);
    const trace = stepWith(createOptimizer({ kind: 'adam', lr: 0.01, weightDecay: 0.1 }, 1), p, [[0.5], [-1]]);
    expectClose(trace[0], [0.99]);
    expectClose(trace[1], [0.992481989]);
  });
});

describe('checkpointing', () => {
  const configs: OptimizerConfig[] = [
    { kind: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 1e-4 },
    { kind: 'sgd', lr: 0.05, momentum: 0.9, nesterov: true },
    { kind: 'adam', lr: 1e-3, weightDecay: 1e-4 },
  ];

  it.each(configs)('10 steps == 5 steps, export, import into a new optimizer, 5 steps (%o)', (cfg) => {
    const n = 1000;
    const rng = createRng(9);
    const grads = Array.from({ length: 10 }, () => Float32Array.from({ length: n }, () => rng.normal()));
    const start = Float32Array.from({ length: n }, () => rng.normal());

    const a = createOptimizer(cfg, n);
    const pa = Float32Array.from(start);
    grads.forEach((g) => a.step(pa, g));

    const b = createOptimizer(cfg, n);
    const pb = Float32Array.from(start);
    grads.slice(0, 5).forEach((g) => b.step(pb, g));
    const saved = b.exportState();
    const c = createOptimizer(cfg, n);
    c.importState(saved);
    grads.slice(5).forEach((g) => c.step(pb, g));

    expect(Buffer.from(pb.buffer).equals(Buffer.from(pa.buffer))).toBe(true);
    const sa = a.exportState();
    const sc = c.exportState();
    expect(sc.step).toBe(10);
    expect(Object.keys(sc.buffers)).toEqual(Object.keys(sa.buffers));
    for (const name of Object.keys(sa.buffers)) {
      expect(Buffer.from(sc.buffers[name].buffer).equals(Buffer.from(sa.buffers[name].buffer))).toBe(true);
    }
  });

  it('exports copies, and a fresh state resets the optimizer', () => {
    const opt = createOptimizer({ kind: 'sgd', lr: 0.1, momentum: 0.5 }, 2);
    const p = new Float32Array([0, 0]);
    opt.step(p, new Float32Array([1, 1]));
    const state = opt.exportState();
    state.buffers.momentum[0] = 123;
    expect(opt.exportState().buffers.momentum[0]).toBe(1);
    opt.importState({ step: 0, buffers: {} });
    expect(opt.exportState()).toEqual({ step: 0, buffers: { momentum: new Float32Array(2) } });
  });

  it('rejects bad state naming the problem', () => {
    const opt = createOptimizer({ kind: 'adam', lr: 0.1 }, 3);
    expect(() => opt.importState({ step: 2, buffers: { m: new Float32Array(3) } })).toThrow("optimizer state at step 2 is missing buffer 'v'");
    expect(() => opt.importState({ step: 1, buffers: { m: new Float32Array(2), v: new Float32Array(3) } })).toThrow(
      "optimizer state buffer 'm' length 2 does not match parameter count 3",
    );
    expect(() => opt.importState({ step: 0, buffers: { momentum: new Float32Array(3) } })).toThrow(/unknown buffer 'momentum'/);
    expect(() => opt.importState({ step: -1, buffers: {} })).toThrow(/step must be an integer ≥ 0, got -1/);
    expect(() => opt.importState({ step: 1, buffers: { m: new Float32Array([0, NaN, 0]), v: new Float32Array(3) } })).toThrow(
      /buffer 'm' has a non-finite value NaN at index 1/,
    );
  });
});

describe('validation', () => {
  it.each([
    [{ kind: 'sgd', lr: 0 }, 'lr must be a finite number > 0, got 0'],
    [{ kind: 'sgd', lr: Infinity }, 'lr must be a finite number > 0, got Infinity'],
    [{ kind: 'sgd', lr: 0.1, momentum: 1 }, 'momentum must be a number in [0, 1), got 1'],
    [{ kind: 'sgd', lr: 0.1, weightDecay: -1 }, 'weightDecay must be a finite number ≥ 0, got -1'],
    [{ kind: 'sgd', lr: 0.1, nesterov: true }, 'nesterov needs momentum > 0'],
    [{ kind: 'adam', lr: 0.1, beta1: 1.5 }, 'beta1 must be a number in [0, 1), got 1.5'],
    [{ kind: 'adam', lr: 0.1, beta2: -0.1 }, 'beta2 must be a number in [0, 1), got -0.1'],
    [{ kind: 'adam', lr: 0.1, epsilon: 0 }, 'epsilon must be a finite number > 0, got 0'],
    [{ kind: 'rmsprop', lr: 0.1 }, "optimizer kind must be 'sgd' or 'adam', got 'rmsprop'"],
  ])('%o → %s', (cfg, message) => {
    expect(() => createOptimizer(cfg as OptimizerConfig, 10)).toThrow(message);
  });

  it('rejects a bad parameter count', () => {
    expect(() => createOptimizer({ kind: 'sgd', lr: 0.1 }, 0)).toThrow('numParams must be a positive integer, got 0');
  });

  it('rejects wrong lengths and non-finite gradients without touching params', () => {
    const opt = createOptimizer({ kind: 'sgd', lr: 0.1, momentum: 0.9 }, 3);
    const p = new Float32Array([1, 2, 3]);
    expect(() => opt.step(p, new Float32Array(10))).toThrow('gradient length 10 does not match optimizer parameter count 3');
    expect(() => opt.step(new Float32Array(2), new Float32Array(3))).toThrow('params length 2 does not match optimizer parameter count 3');
    expect(() => opt.step(p, new Float32Array([0.1, NaN, 0.1]))).toThrow('gradient has a non-finite value NaN at index 1 (length 3)');
    expect(Array.from(p)).toEqual([1, 2, 3]);
    expect(opt.exportState().step).toBe(0);
  });

  it('setLearningRate changes the step size and validates', () => {
    const opt = createOptimizer({ kind: 'sgd', lr: 0.1 }, 1);
    opt.setLearningRate(1);
    const p = new Float32Array([1]);
    opt.step(p, new Float32Array([0.25]));
    expect(p[0]).toBe(0.75);
    expect(() => opt.setLearningRate(-1)).toThrow('lr must be a finite number > 0, got -1');
  });
});
