/**
 * Samples per second of the papers' networks (MobileNet v1 CIFAR, MobileNetV3-small, ResNet-18)
 * training on the tfjs wasm backend (one thread) at batch 64 on 32×32×3 synthetic images,
 * gradient + SGD-with-momentum step + setParams, beside PyTorch CPU (bench/paper_models_torch.py,
 * one thread) timed in the same run. Also prints the peak resident memory of a MobileNet step.
 *
 *   node --import tsx bench/paper-models.ts [--steps 3] [--batch 64] [--models mobilenet,resnet18] [--no-torch]
 */
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../lib/ml/backend';
import { makeSyntheticImages } from '../lib/ml/data/synthetic-images';
import { createModel, type ModelKind } from '../lib/ml/models';
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

function timeWasm(kind: ModelKind, batchSize: number, steps: number): Row {
  const data = makeSyntheticImages({ trainCount: batchSize, testCount: 1, seed: 1 });
  const model = createModel(kind, { inputShape: [32, 32, 3], numClasses: 10, seed: 1 });
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
  const wasm = kinds.map((k) => timeWasm(k, batchSize, steps));
  const torch = argv.includes('--no-torch') ? [] : timeTorch(kinds, batchSize, steps);
  process.stdout.write(`tfjs ${backend.name} (${backend.detail}), one thread, batch ${batchSize}, ${steps} timed steps after one warm-up\n`);
  process.stdout.write('model               params       wasm samples/s  (step ms, peak RSS MB)   torch samples/s  (step ms)   torch/wasm\n');
  for (const w of wasm) {
    const t = torch.find((r) => r.model === w.model);
    const torchPart = t ? `${t.samplesPerSecond.toFixed(1).padStart(15)}  (${t.stepMs.toFixed(0)})`.padEnd(28) + (t.samplesPerSecond / w.samplesPerSecond).toFixed(1) : '';
    process.stdout.write(`${w.model.padEnd(19)} ${w.params.toLocaleString('en-US').padStart(10)}   ${w.samplesPerSecond.toFixed(2).padStart(14)}  (${w.stepMs.toFixed(0)}, ${w.peakRssMb!.toFixed(0)})`.padEnd(70) + `   ${torchPart}\n`);
  }
  process.stdout.write(`load average after: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
