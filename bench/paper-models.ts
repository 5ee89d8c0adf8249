/**
 * Samples per second of the papers' networks (MobileNet v1 CIFAR, MobileNetV3-small, ResNet-18)
 * training at batch 64 on 32×32×3 synthetic images, gradient + SGD-with-momentum step + setParams:
 * on the tfjs wasm backend (one thread), on the native engine (lib/ml/native, one and two threads;
 * skipped with the reason when the addon is not built) and in PyTorch CPU
 * (bench/paper_models_torch.py, one thread), all timed in the same run. Also prints the peak
 * resident memory of the wasm steps.
 *
 *   node --import tsx bench/paper-models.ts [--steps 3] [--batch 64] [--models mobilenet,resnet18] [--no-torch] [--no-wasm]
 */
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../lib/ml/backend';
import { makeSyntheticImages } from '../lib/ml/data/synthetic-images';
import { createModel, type FlatModel, type ModelKind } from '../lib/ml/models';
import { loadNativeEngine } from '../lib/ml/native/addon';
import { createNativePaperModel } from '../lib/ml/native/native-paper-model';
import { createOptimizer } from '../lib/ml/optimizers';

const KINDS: ModelKind[] = ['mobilenet', 'mobilenetv3-small', 'resnet18'];

interface Row {
  model: string;
  params: number;
  samplesPerSecond: number;
  stepMs: number;
  peakRssMb?: number;
}

function option(argv: string[], flag: string, fallback: string): string {
  const i = argv.indexOf(flag);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : fallback;
}

function timeSteps(kind: ModelKind, make: (spec: { inputShape: number[]; numClasses: number; seed: number }) => FlatModel, batchSize: number, steps: number): Row {
  const data = makeSyntheticImages({ trainCount: batchSize, testCount: 1, seed: 1 });
  const model = make({ inputShape: [32, 32, 3], numClasses: 10, seed: 1 });
  const optimizer = createOptimizer({ kind: 'sgd', lr: 0.05, momentum: 0.9 }, model.numParams);
  const params = model.getParams();
  const batch = { x: data.train.x, y: data.train.y, count: batchSize };
  let peakRss = 0;
  const step = (): void => {
    const { grad } = model.gradient(batch);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    optimizer.step(params, grad);
    model.setParams(params);
  };
  step(); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) step();
  const seconds = (performance.now() - t0) / 1000 / steps;
  model.dispose();
  return { model: kind, params: model.numParams, samplesPerSecond: batchSize / seconds, stepMs: seconds * 1000, peakRssMb: peakRss / 1e6 };
}

/** Native rows at 1 and 2 threads, or none (with the reason) when the addon is not built. */
function timeNative(kinds: ModelKind[], batchSize: number, steps: number): Map<number, Row[]> {
  const rows = new Map<number, Row[]>();
  const { engine, reason } = loadNativeEngine();
  if (engine === undefined) {
    process.stdout.write(`native engine skipped: ${reason}\n`);
    return rows;
  }
  for (const threads of [1, 2]) {
    engine.addon.setThreads(threads);
    rows.set(threads, kinds.map((k) => timeSteps(k, (spec) => createNativePaperModel(k, spec), batchSize, steps)));
  }
  engine.addon.setThreads(engine.threads);
  return rows;
}

function timeTorch(kinds: ModelKind[], batchSize: number, steps: number): Row[] {
  const script = path.join(__dirname, 'paper_models_torch.py');
  const out = execFileSync('python3', [script, '--batch', String(batchSize), '--steps', String(steps), '--threads', '1', '--models', kinds.join(',')], { encoding: 'utf8' });
  return out.trim().split('\n').map((line) => {
    const r = JSON.parse(line) as { model: string; params: number; samples_per_s: number; step_ms: number };
    return { model: r.model, params: r.params, samplesPerSecond: r.samples_per_s, stepMs: r.step_ms };
  });
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const steps = Number(option(argv, '--steps', '3'));
  const batchSize = Number(option(argv, '--batch', '64'));
  const kinds = option(argv, '--models', KINDS.join(',')).split(',') as ModelKind[];
  const unknown = kinds.filter((k) => !KINDS.includes(k));
  if (unknown.length) throw new Error(`--models: unknown ${unknown.join(', ')} (known: ${KINDS.join(', ')})`);
  const backend = await initBackend('wasm');
  process.stdout.write(`load average before: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  const wasm = argv.includes('--no-wasm') ? [] : kinds.map((k) => timeSteps(k, (spec) => createModel(k, spec), batchSize, steps));
  const native = timeNative(kinds, batchSize, steps);
  const torch = argv.includes('--no-torch') ? [] : timeTorch(kinds, batchSize, steps);
  process.stdout.write(`tfjs ${backend.name} (${backend.detail}), batch ${batchSize}, ${steps} timed steps after one warm-up; samples/s (step ms)\n`);
  const cell = (r: Row | undefined): string => (r ? `${r.samplesPerSecond.toFixed(2)} (${r.stepMs.toFixed(0)})` : '-');
  process.stdout.write('| model | parameters | wasm 1 thread | native 1 thread | native 2 threads | PyTorch 1 thread | native 1 thread / PyTorch |\n|---|---:|---:|---:|---:|---:|---:|\n');
  for (const kind of kinds) {
    const [w, n1, n2, t] = [wasm, native.get(1) ?? [], native.get(2) ?? [], torch].map((rows) => rows.find((r) => r.model === kind));
    const params = (w ?? n1 ?? t)?.params.toLocaleString('en-US') ?? '-';
    const ratio = n1 && t ? (n1.samplesPerSecond / t.samplesPerSecond).toFixed(2) : '-';
    process.stdout.write(`| ${kind} | ${params} | ${cell(w)} | ${cell(n1)} | ${cell(n2)} | ${cell(t)} | ${ratio} |\n`);
  }
  if (wasm.length > 0) process.stdout.write(`peak RSS during the wasm steps: ${wasm.map((w) => `${w.model} ${w.peakRssMb!.toFixed(0)} MB`).join(', ')}\n`);
  process.stdout.write(`load average after: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
