/**
 * The native engine (native/, lib/ml/native) against the tfjs models on wasm: identical layouts and
 * initial parameters, gradients and losses within 1e-5 relative on every model kind, and the
 * run-time selection through MLTRAIN_TF_BACKEND. Skipped, with the reason printed, where the addon
 * is not built.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { initBackend } from '../../lib/ml/backend';
import { createModel, type FlatModel, type ModelKind, type ModelSpec } from '../../lib/ml/models';
import { loadNativeEngine } from '../../lib/ml/native/addon';
import { createNativeModel } from '../../lib/ml/native/native-model';
import { nativeNetworkSpec } from '../../lib/ml/native/network-spec';
import { GraphBuilder } from '../../lib/ml/native/paper-graph';
import { nativeThreadCount } from '../../lib/ml/native/threads';
import { createRng } from '../../lib/ml/random';
import { randomBatch } from '../helpers/random-batch';

const REPO = path.resolve(__dirname, '../..');
const { engine, reason } = loadNativeEngine();
if (engine === undefined) process.stdout.write(`skipping the native engine tests: ${reason}\n`);
const describeNative = engine === undefined ? describe.skip : describe;

const SPECS: Array<[ModelKind, ModelSpec]> = [
  ['lr', { inputShape: [784], numClasses: 10, seed: 3 }],
  ['svm', { inputShape: [784], numClasses: 10, seed: 3 }],
  ['mlp', { inputShape: [784], numClasses: 10, seed: 3 }],
  ['mlp', { inputShape: [20], numClasses: 4, hiddenUnits: [16, 8], seed: 5 }],
  ['cnn', { inputShape: [28, 28, 1], numClasses: 10, seed: 3 }],
  ['cnn', { inputShape: [13, 11, 2], numClasses: 3, seed: 5 }],
];

/** max |a − b| over max |b|: relative to the gradient's scale, so entries near zero do not dominate. */
function relativeError(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

describe('native thread count', () => {
  it('follows the Lambda memory size, the cores, or the override', () => {
    expect(nativeThreadCount({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1769' }, 2)).toBe(1);
    expect(nativeThreadCount({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1770' }, 2)).toBe(2);
    expect(nativeThreadCount({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '10240' }, 2)).toBe(6);
    expect(nativeThreadCount({}, 3)).toBe(3);
    expect(nativeThreadCount({ MLTRAIN_NATIVE_THREADS: '1', AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '10240' }, 2)).toBe(1);
    expect(() => nativeThreadCount({ MLTRAIN_NATIVE_THREADS: 'two' }, 2)).toThrow("MLTRAIN_NATIVE_THREADS must be a positive integer, got 'two'");
  });
});

describeNative('native engine against tfjs on wasm', () => {
  const models: FlatModel[] = [];
  const track = (m: FlatModel): FlatModel => (models.push(m), m);
  beforeAll(async () => {
    expect((await initBackend('wasm')).name).toBe('wasm');
  });
  afterAll(() => models.forEach((m) => m.dispose()));

  it.each(SPECS)('%s %j: same layout, initial parameters, gradient and evaluation', (kind, spec) => {
    const wasm = track(createModel(kind, spec));
    const native = track(createNativeModel(kind, spec));
    expect(native.layout()).toEqual(wasm.layout());
    expect(native.getParams()).toEqual(wasm.getParams());
    // Parameters away from the initial ones, so biases and every layer carry non-trivial values.
    const rng = createRng(11);
    const params = Float32Array.from(wasm.getParams(), (p) => p + 0.05 * rng.normal());
    wasm.setParams(params);
    native.setParams(params);
    const batch = randomBatch(spec, 64, 7);
    const expected = wasm.gradient(batch);
    const actual = native.gradient(batch);
    expect(relativeError(actual.grad, expected.grad)).toBeLessThan(1e-5);
    expect(Math.abs(actual.loss - expected.loss) / expected.loss).toBeLessThan(1e-5);
    const data = randomBatch(spec, 300, 8);
    const [e, a] = [wasm.evaluate(data, 128), native.evaluate(data, 128)];
    expect(a.accuracy).toBe(e.accuracy);
    expect(Math.abs(a.loss - e.loss) / e.loss).toBeLessThan(1e-5);
  });

  it('is deterministic: the same batch gives the same bits', () => {
    const spec = SPECS[4][1];
    const model = track(createNativeModel('cnn', spec));
    const batch = randomBatch(spec, 64, 9);
    expect(model.gradient(batch).grad).toEqual(model.gradient(batch).grad);
  });

  // The CNN splits its batch across the threads; the MLP (under 200 MFLOP a step) stays on one.
  it.each([[64], [37]])('a batch of %i with 2 threads gives the one-thread gradient, the same bits every time (CNN split, MLP not)', (count) => {
    for (const [kind, spec] of [SPECS[2], SPECS[4]]) {
      const model = track(createNativeModel(kind, spec));
      const batch = randomBatch(spec, count, 12);
      const addon = engine!.addon;
      const before = engine!.threads;
      try {
        addon.setThreads(1);
        const one = model.gradient(batch);
        addon.setThreads(2);
        const two = model.gradient(batch);
        expect(relativeError(two.grad, one.grad)).toBeLessThan(1e-5);
        expect(Math.abs(two.loss - one.loss) / one.loss).toBeLessThan(1e-6);
        expect(two.grad).toEqual(model.gradient(batch).grad);
      } finally {
        addon.setThreads(before);
      }
    }
  });

  it('refuses bad input before computing, naming the field', () => {
    const model = track(createNativeModel('mlp', { inputShape: [784], numClasses: 10 }));
    const batch = randomBatch({ inputShape: [784], numClasses: 10 }, 4, 1);
    expect(() => model.gradient({ ...batch, count: 5 })).toThrow('batch.x length 3136 does not match count 5 × 784 features');
    expect(() => model.gradient({ ...batch, y: Uint8Array.from([0, 1, 2, 10]) })).toThrow('batch.y[3] = 10 is not a class index in [0, 10)');
    expect(() => model.setParams(new Float32Array(3))).toThrow('params length 3 does not match model parameter count 101770');
    model.dispose();
    expect(() => model.gradient(batch)).toThrow('mlp model has been disposed');
  });

  // The TypeScript models check first; this is the addon's own guard, for any other caller.
  it('the addon refuses a destroyed network or graph instead of touching freed memory', () => {
    const { addon } = loadNativeEngine().engine!;
    const spec = { inputShape: [784], numClasses: 10 };
    const network = nativeNetworkSpec('mlp', spec);
    const handle = addon.create(network.layers, network.loss, 10);
    expect(addon.numParams(handle)).toBe(101_770);
    addon.destroy(handle);
    expect(() => addon.numParams(handle)).toThrow('native engine: the network has been destroyed');
    addon.destroy(handle); // at-least-once: a second destroy is harmless

    const builder = new GraphBuilder([4, 4, 1]);
    builder.dense('out', builder.globalAveragePool(builder.image()), 3);
    const graph = addon.createGraph(builder.build().ops, Int32Array.from([4, 4, 1]), 3);
    expect(addon.graphSizes(graph)).toEqual([6, 0, 0]);
    addon.destroyGraph(graph);
    expect(() => addon.graphSizes(graph)).toThrow('native engine: the graph has been destroyed');
    expect(() => addon.create(new Int32Array(5), 0, 10)).toThrow('layers must hold 7 integers per layer');
  });
});

describeNative('choosing the engine in a fresh process', () => {
  function probe(env: Record<string, string>): Record<string, any> {
    const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fixtures/backend-probe.ts'), 'auto'], {
      cwd: REPO,
      env: { ...process.env, ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(0);
    return { ...JSON.parse(result.stdout), stderr: result.stderr };
  }

  it('auto picks native; createModel then returns the native model and tfjs stays on wasm', () => {
    const report = probe({ MLTRAIN_TF_BACKEND: '', MLTRAIN_NATIVE_THREADS: '2' });
    expect(report.info.name).toBe('native');
    expect(report.info.detail).toMatch(/^oneDNN \d+\.\d+\.\d+ \(OpenMP\), OpenBLAS .*; 2 thread\(s\); .*mltrain_native\.node; other tfjs work on wasm$/);
    expect(report.modelClass).toBe('NativeFlatModel');
    expect(report.tfBackend).toBe('wasm');
    expect(report.nativeOptimizerSteps).toBe(true);
  });

  it('auto falls back to wasm with one line saying why', () => {
    const report = probe({ MLTRAIN_TF_BACKEND: '', MLTRAIN_NATIVE_ADDON: '/nonexistent/mltrain_native.node' });
    expect(report.info.name).toBe('wasm');
    expect(report.modelClass).toBe('LayersFlatModel');
    const lines = report.stderr.split('\n').filter((l: string) => l.includes('native engine not in use'));
    expect(lines).toEqual([expect.stringContaining('addon not built (no /nonexistent/mltrain_native.node)')]);
    expect(report.nativeOptimizerSteps).toBe(false);
  });

  it('an addon that is there but does not load (built elsewhere, broken) also falls back, with the loader\'s reason', () => {
    const report = probe({ MLTRAIN_TF_BACKEND: '', MLTRAIN_NATIVE_ADDON: path.join(REPO, 'package.json') });
    expect(report.info.name).toBe('wasm');
    expect(report.modelClass).toBe('LayersFlatModel');
    const lines = report.stderr.split('\n').filter((l: string) => l.includes('native engine not in use'));
    expect(lines).toEqual([expect.stringMatching(/addon .*package\.json does not load \(.+\); rebuild it with npm run build:native/)]);
    expect(report.nativeOptimizerSteps).toBe(false);
  });

  it('MLTRAIN_TF_BACKEND=native fails clearly when the addon cannot load', () => {
    const report = probe({ MLTRAIN_TF_BACKEND: 'native', MLTRAIN_NATIVE_ADDON: '/nonexistent/mltrain_native.node' });
    expect(report.initError).toMatch(/^backend native requested but native engine not in use: addon not built/);
  });
});
