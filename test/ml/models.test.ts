import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/ml/backend';
import { loadMnist } from '../../lib/ml/data/mnist';
import { takeRows } from '../../lib/ml/data/shards';
import { makeSyntheticSplit } from '../../lib/ml/data/synthetic';
import type { Dataset } from '../../lib/ml/data/types';
import { createModel, type FlatModel, type ModelKind, type ModelSpec } from '../../lib/ml/models';
import { createOptimizer } from '../../lib/ml/optimizers';
import { createRng } from '../../lib/ml/random';
import { randomBatch } from '../helpers/random-batch';

/** Small problems so finite differences over many parameters stay cheap. */
const TINY: Record<'lr' | 'svm' | 'mlp' | 'cnn', ModelSpec> = {
  lr: { inputShape: [6], numClasses: 4, seed: 1 },
  svm: { inputShape: [6], numClasses: 4, seed: 1 },
  mlp: { inputShape: [6], numClasses: 4, hiddenUnits: [5], seed: 1 },
  cnn: { inputShape: [12, 12, 1], numClasses: 4, seed: 1 },
};
const KINDS = ['lr', 'svm', 'mlp', 'cnn'] as const;

function sameBits(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

// tfjs's own gradients, captured before initBackend registers the replacements.
const STOCK_GRADIENTS = ['Conv2D', 'BatchMatMul'].map((name) => tf.getGradient(name));

/** Runs `fn` on tfjs's cpu backend with tfjs's stock gradients, then restores wasm and ours. */
async function withStockCpuGradients<T>(fn: () => T): Promise<T> {
  const ours = STOCK_GRADIENTS.map((g) => tf.getGradient(g.kernelName));
  STOCK_GRADIENTS.forEach((g) => tf.registerGradient(g));
  await tf.setBackend('cpu');
  try {
    return fn();
  } finally {
    ours.forEach((g) => tf.registerGradient(g));
    await tf.setBackend('wasm');
  }
}

const models: FlatModel[] = [];
function track(model: FlatModel): FlatModel {
  models.push(model);
  return model;
}

beforeAll(async () => {
  expect((await initBackend('wasm')).name).toBe('wasm');
});
afterAll(() => models.forEach((m) => m.dispose()));

describe('structure', () => {
  it('mlp defaults to 784-128-10 with a kernel-then-bias layout', () => {
    const model = track(createModel('mlp', { inputShape: [28, 28, 1], numClasses: 10 }));
    expect(model.kind).toBe('mlp');
    expect(model.numParams).toBe(101770);
    expect(model.layout()).toEqual([
      { name: 'hidden1/kernel', shape: [784, 128], offset: 0, size: 100352 },
      { name: 'hidden1/bias', shape: [128], offset: 100352, size: 128 },
      { name: 'output/kernel', shape: [128, 10], offset: 100480, size: 1280 },
      { name: 'output/bias', shape: [10], offset: 101760, size: 10 },
    ]);
  });

  it('has the documented sizes for every kind, and configurable hidden layers', () => {
    const sizes = KINDS.map((kind) => {
      const model = track(createModel(kind, { inputShape: [28, 28, 1], numClasses: 10 }));
      return model.numParams;
    });
    expect(sizes).toEqual([7850, 7850, 101770, 5258]);
    const deep = track(createModel('mlp', { inputShape: [20], numClasses: 3, hiddenUnits: [16, 8] }));
    expect(deep.layout().map((e) => e.name)).toEqual(['hidden1/kernel', 'hidden1/bias', 'hidden2/kernel', 'hidden2/bias', 'output/kernel', 'output/bias']);
    expect(deep.numParams).toBe(20 * 16 + 16 + 16 * 8 + 8 + 8 * 3 + 3);
    const cnn = track(createModel('cnn', { inputShape: [784], numClasses: 10 }));
    expect(cnn.layout().map((e) => `${e.name}:${e.shape.join('x')}`)).toEqual([
      'conv1/kernel:3x3x1x8', 'conv1/bias:8', 'conv2/kernel:3x3x8x16', 'conv2/bias:16', 'output/kernel:400x10', 'output/bias:10',
    ]);
  });

  it('rejects bad specs naming the field', () => {
    expect(() => createModel('rnn' as ModelKind, { inputShape: [4], numClasses: 2 })).toThrow("model kind must be one of lr, svm, mlp, cnn, mobilenet, mobilenetv3-small, resnet18, got 'rnn'");
    expect(() => createModel('lr', { inputShape: [4], numClasses: 1 })).toThrow('numClasses must be an integer ≥ 2, got 1');
    expect(() => createModel('lr', { inputShape: [0], numClasses: 2 })).toThrow('inputShape must be a non-empty list of positive integers, got [0]');
    expect(() => createModel('lr', { inputShape: [4], numClasses: 2, hiddenUnits: [3] })).toThrow('hiddenUnits applies only to mlp, not lr');
    expect(() => createModel('cnn', { inputShape: [9, 9, 1], numClasses: 2 })).toThrow('cnn inputShape [9, 9, 1] is too small: need at least 10×10');
    expect(() => createModel('cnn', { inputShape: [10], numClasses: 2 })).toThrow(/cnn inputShape must be \[height, width, channels\] or a square/);
  });
});

describe('parameters', () => {
  it('initialParams is deterministic per seed: Glorot-uniform kernels, zero biases', () => {
    const model = track(createModel('mlp', { inputShape: [28, 28, 1], numClasses: 10, seed: 5 }));
    const a = model.initialParams(42);
    expect(sameBits(a, model.initialParams(42))).toBe(true);
    expect(sameBits(a, model.initialParams(43))).toBe(false);
    const [kernel, bias] = model.layout();
    const limit = Math.sqrt(6 / (784 + 128));
    const values = a.subarray(kernel.offset, kernel.offset + kernel.size);
    let sumSq = 0;
    let outside = 0;
    for (const v of values) {
      sumSq += v * v;
      if (Math.abs(v) > limit) outside++;
    }
    expect(outside).toBe(0);
    expect(Math.sqrt(sumSq / values.length)).toBeCloseTo(limit / Math.sqrt(3), 3); // uniform(-l, l) has std l/√3
    expect(a.subarray(bias.offset, bias.offset + bias.size).every((v) => v === 0)).toBe(true);
    // createModel starts from initialParams(spec.seed)
    expect(sameBits(model.getParams(), model.initialParams(5))).toBe(true);
  });

  it('setParams / getParams round-trip and copy', () => {
    const model = track(createModel('cnn', TINY.cnn));
    const rng = createRng(3);
    const p = Float32Array.from({ length: model.numParams }, () => rng.normal());
    model.setParams(p);
    const back = model.getParams();
    expect(sameBits(back, p)).toBe(true);
    p[0] += 1; // the model must not see later writes
    back[1] += 1;
    expect(model.getParams()[0]).toBe(back[0]);
    expect(model.getParams()[1]).toBe(back[1] - 1);
  });

  it('setParams rejects a wrong length or a non-finite value', () => {
    const model = track(createModel('mlp', { inputShape: [784], numClasses: 10 }));
    expect(() => model.setParams(new Float32Array(10))).toThrow('params length 10 does not match model parameter count 101770');
    const p = model.getParams();
    p[7] = NaN;
    expect(() => model.setParams(p)).toThrow('params has a non-finite value NaN at index 7 (length 101770)');
  });
});

describe('gradient', () => {
  it.each(KINDS)('%s: matches central finite differences of the loss', (kind) => {
    const spec = TINY[kind];
    const model = track(createModel(kind, spec));
    const batch = randomBatch(spec, 5, 11);
    const params = model.getParams();
    const { loss, grad } = model.gradient(batch);
    expect(loss).toBeCloseTo(model.evaluate(batch).loss, 5);

    // Every parameter of the small models; for the CNN every conv1 weight and a sample of the rest.
    const rng = createRng(17);
    const indices = kind === 'cnn'
      ? [...Array.from({ length: 80 }, (_, i) => i), ...Array.from({ length: 60 }, () => 80 + rng.int(model.numParams - 80))]
      : Array.from({ length: model.numParams }, (_, i) => i);
    // Small enough that few ReLU/max-pool kinks are crossed, large enough for float32 losses.
    const step = 1e-3;
    let worst = 0;
    let scale = 0;
    for (const i of indices) {
      const lossAt = (delta: number): number => {
        const p = Float32Array.from(params);
        p[i] += delta;
        model.setParams(p);
        return model.evaluate(batch).loss;
      };
      const numeric = (lossAt(step) - lossAt(-step)) / (2 * step);
      worst = Math.max(worst, Math.abs(numeric - grad[i]));
      scale = Math.max(scale, Math.abs(grad[i]));
    }
    model.setParams(params);
    expect(scale).toBeGreaterThan(0.05); // the gradient is not trivially zero
    expect(worst).toBeLessThan(0.05 * scale);
  });

  it.each(['mlp', 'cnn'] as ModelKind[])("%s: equals tfjs's stock gradients computed on the cpu backend", async (kind) => {
    // cpu's stock Conv2DBackpropFilter is very slow, hence the small images.
    const spec = kind === 'cnn' ? { inputShape: [14, 14, 1], numClasses: 10, seed: 3 } : { inputShape: [784], numClasses: 10, seed: 3 };
    const model = track(createModel(kind, spec));
    const batch = randomBatch(spec, 8, 4);
    const ours = model.gradient(batch);
    const reference = await withStockCpuGradients(() => model.gradient(batch));
    expect(tf.getBackend()).toBe('wasm');
    let worst = 0;
    let scale = 0;
    for (let i = 0; i < ours.grad.length; i++) {
      worst = Math.max(worst, Math.abs(ours.grad[i] - reference.grad[i]));
      scale = Math.max(scale, Math.abs(reference.grad[i]));
    }
    expect(scale).toBeGreaterThan(0.01);
    expect(worst).toBeLessThan(1e-4 * Math.max(1, scale));
    expect(ours.loss).toBeCloseTo(reference.loss, 5);
  });

  it.each(KINDS)('%s: repeated calls give bit-identical results, also on a second model', (kind) => {
    const spec = TINY[kind];
    const a = track(createModel(kind, spec));
    const b = track(createModel(kind, spec));
    const batch = randomBatch(spec, 16, 5);
    const first = a.gradient(batch);
    const second = a.gradient(batch);
    const other = b.gradient(batch);
    expect(sameBits(first.grad, second.grad)).toBe(true);
    expect(sameBits(first.grad, other.grad)).toBe(true);
    expect(first.loss).toBe(second.loss);
  });

  it('does not leak tensors (gradient, evaluate, setParams, getParams)', () => {
    const model = track(createModel('cnn', TINY.cnn));
    const batch = randomBatch(TINY.cnn, 8, 1);
    model.gradient(batch); // warm-up: tfjs may cache constants on first use
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      model.gradient(batch);
      model.evaluate(batch, 3);
      model.setParams(model.getParams());
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects malformed batches naming the field', () => {
    const model = track(createModel('lr', TINY.lr));
    const batch = randomBatch(TINY.lr, 4, 1);
    expect(() => model.gradient({ ...batch, x: batch.x.subarray(1) })).toThrow('batch.x length 23 does not match count 4 × 6 features (input shape [6])');
    expect(() => model.gradient({ ...batch, y: Uint8Array.from([0, 1, 4, 0]) })).toThrow('batch.y[2] = 4 is not a class index in [0, 4)');
    expect(() => model.gradient({ ...batch, count: 0 })).toThrow('batch.count must be a positive integer, got 0');
    expect(() => model.evaluate({ ...batch, y: batch.y.subarray(1) })).toThrow('data.y length 3 does not match count 4');
  });
});

describe('training and evaluation', () => {
  const data = makeSyntheticSplit({ trainCount: 512, testCount: 256, features: 16, numClasses: 4, seed: 9 });
  // The CNN needs images with spatial structure; random centroids per pixel have none.
  const mnist = loadMnist();
  const images = {
    train: takeRows(mnist.train, Array.from({ length: 640 }, (_, i) => i)),
    test: takeRows(mnist.test, Array.from({ length: 500 }, (_, i) => i)),
  };

  it.each(KINDS)('%s: 20 SGD steps reduce the training loss', (kind) => {
    const ds: { train: Dataset; test: Dataset } = kind === 'cnn' ? images : data;
    const features = ds.train.featureShape.reduce((a, b) => a * b, 1);
    const model = track(createModel(kind, { inputShape: ds.train.featureShape, numClasses: ds.train.numClasses }));
    const optimizer = createOptimizer({ kind: 'sgd', lr: 0.05, momentum: 0.9 }, model.numParams);
    const params = model.getParams();
    const before = model.evaluate(ds.train).loss;
    for (let step = 0; step < 20; step++) {
      const start = (step * 32) % ds.train.count;
      const batch = { x: ds.train.x.subarray(start * features, (start + 32) * features), y: ds.train.y.subarray(start, start + 32), count: 32 };
      optimizer.step(params, model.gradient(batch).grad);
      model.setParams(params);
    }
    expect(model.evaluate(ds.train).loss).toBeLessThan(0.7 * before);
    expect(model.evaluate(ds.test).accuracy).toBeGreaterThan(kind === 'cnn' ? 0.4 : 0.6);
  });

  it('evaluate gives the same answer in chunks as in one go', () => {
    const model = track(createModel('mlp', { inputShape: [16], numClasses: 4, seed: 2 }));
    const whole = model.evaluate(data.test, 10_000);
    const chunked = model.evaluate(data.test, 7);
    expect(chunked.accuracy).toBe(whole.accuracy);
    expect(chunked.loss).toBeCloseTo(whole.loss, 5);
    expect(() => model.evaluate(data.test, 0)).toThrow('chunkSize must be a positive integer, got 0');
  });

  it('svm loss is the Crammer–Singer hinge', () => {
    const model = track(createModel('svm', { inputShape: [2], numClasses: 3 }));
    // scores = x·W + b with W = [[1, 0, 0], [0, 1, 0]], b = [0, 0, 0.5]
    model.setParams(new Float32Array([1, 0, 0, 0, 1, 0, 0, 0, 0.5]));
    // x = (2, 0): scores (2, 0, 0.5); y = 0 → max(0, 1 + 0.5 − 2) = 0; y = 1 → 1 + 2 − 0 = 3; y = 2 → 1 + 2 − 0.5 = 2.5
    const batch = { x: new Float32Array([2, 0, 2, 0, 2, 0]), y: new Uint8Array([0, 1, 2]), count: 3 };
    expect(model.evaluate(batch).loss).toBeCloseTo((0 + 3 + 2.5) / 3, 6);
    expect(model.evaluate(batch).accuracy).toBeCloseTo(1 / 3, 6);
  });

  it('dispose releases the variables and later use throws', () => {
    const before = tf.memory().numTensors;
    const model = createModel('mlp', { inputShape: [16], numClasses: 4 });
    expect(tf.memory().numTensors).toBe(before + 4);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(() => model.getParams()).toThrow('mlp model has been disposed');
  });
});
