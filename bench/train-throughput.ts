/**
 * Training throughput on real MNIST: times FlatModel.gradient + FlatOptimizer.step (and, separately,
 * the whole step including batch assembly and setParams) for batches of 64 after a warm-up, on the
 * tfjs models (wasm) and on the native engine with each thread count, and PyTorch's CPU training
 * step on the same machine (bench/torch_throughput.py, one thread) when `import torch` works, all
 * in one run so the figures share the machine's load.
 *
 *   node --import tsx bench/train-throughput.ts [--model mlp|cnn|all] [--seconds 6] [--batch 64]
 *        [--engines wasm,native] [--threads 1,2] [--rounds 3]
 *
 * The native thread counts take turns (1, 2, 1, 2, ...) for --rounds rounds of seconds / rounds
 * each, and each count's rounds are added up, so a change in the machine's load hits them alike.
 */
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../lib/ml/backend';
import { batchAt, epochOrder, stepsPerEpoch } from '../lib/ml/data/batches';
import { loadMnist } from '../lib/ml/data/mnist';
import { createModel, type FlatModel, type ModelKind, type ModelSpec } from '../lib/ml/models';
import { loadNativeEngine } from '../lib/ml/native/addon';
import { createNativeModel } from '../lib/ml/native/native-model';
import { createOptimizer } from '../lib/ml/optimizers';

const WARM_UP_STEPS = 5;

type Engine = 'wasm' | 'native';

interface Options {
  models: ModelKind[];
  seconds: number;
  batchSize: number;
  engines: Engine[];
  threads: number[];
  /** The native thread counts are measured in this many alternating rounds (seconds / rounds each). */
  rounds: number;
}

function parseList<T>(flag: string, value: string, valid: (item: string) => boolean, convert: (item: string) => T): T[] {
  const items = value.split(',');
  const bad = items.find((item) => !valid(item));
  if (bad !== undefined) throw new Error(`${flag} has an invalid entry '${bad}' in '${value}'`);
  return items.map(convert);
}

function parseArgs(argv: string[]): Options {
  const options: Options = { models: ['mlp', 'cnn'], seconds: 6, batchSize: 64, engines: ['wasm', 'native'], threads: [1, 2], rounds: 3 };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--model') {
      if (value === 'all') continue;
      if (value !== 'mlp' && value !== 'cnn') throw new Error(`--model must be mlp, cnn or all, got '${value}'`);
      options.models = [value];
    } else if (flag === '--seconds') {
      options.seconds = Number(value);
      if (!(options.seconds > 0)) throw new Error(`--seconds must be a positive number, got '${value}'`);
    } else if (flag === '--batch') {
      options.batchSize = Number(value);
      if (!Number.isInteger(options.batchSize) || options.batchSize < 1) throw new Error(`--batch must be a positive integer, got '${value}'`);
    } else if (flag === '--engines') {
      options.engines = parseList(flag, value, (e) => e === 'wasm' || e === 'native', (e) => e as Engine);
    } else if (flag === '--rounds') {
      options.rounds = Number(value);
      if (!Number.isInteger(options.rounds) || options.rounds < 1) throw new Error(`--rounds must be a positive integer, got '${value}'`);
    } else if (flag === '--threads') {
      options.threads = parseList(flag, value, (t) => Number.isInteger(Number(t)) && Number(t) > 0, Number);
    } else {
      throw new Error(`unknown option ${flag} (expected --model, --seconds, --batch, --engines, --threads, --rounds)`);
    }
  }
  return options;
}

interface Result {
  model: ModelKind;
  engine: string;
  params: number;
  steps: number;
  batchMs: number;
  gradientMs: number;
  optimizerMs: number;
  setParamsMs: number;
  lastLoss: number;
}

function measure(kind: ModelKind, engine: string, create: (spec: ModelSpec) => FlatModel, options: Options, seconds = options.seconds): Result {
  const { train } = loadMnist();
  const model = create({ inputShape: train.featureShape, numClasses: train.numClasses, seed: 1 });
  const optimizer = createOptimizer({ kind: 'sgd', lr: 0.05, momentum: 0.9 }, model.numParams);
  const params = model.getParams();
  const order = epochOrder(train.count, 1, 1);
  const stepsInEpoch = stepsPerEpoch(train.count, options.batchSize);
  const result: Result = { model: kind, engine, params: model.numParams, steps: 0, batchMs: 0, gradientMs: 0, optimizerMs: 0, setParamsMs: 0, lastLoss: NaN };

  const runStep = (step: number, record: boolean): void => {
    const t0 = performance.now();
    const batch = batchAt(train, order, step % stepsInEpoch, options.batchSize);
    const t1 = performance.now();
    const { loss, grad } = model.gradient(batch);
    const t2 = performance.now();
    optimizer.step(params, grad);
    const t3 = performance.now();
    model.setParams(params);
    const t4 = performance.now();
    if (!record) return;
    result.steps++;
    result.batchMs += t1 - t0;
    result.gradientMs += t2 - t1;
    result.optimizerMs += t3 - t2;
    result.setParamsMs += t4 - t3;
    result.lastLoss = loss;
  };

  let step = 0;
  for (; step < WARM_UP_STEPS; step++) runStep(step, false);
  const deadline = performance.now() + seconds * 1000;
  for (; performance.now() < deadline; step++) runStep(step, true);
  model.dispose();
  return result;
}

function report(r: Result, batchSize: number): string {
  const perStep = (ms: number): string => (ms / r.steps).toFixed(2);
  const samplesPerSecond = (ms: number): string => Math.round((r.steps * batchSize) / (ms / 1000)).toLocaleString('en-US');
  const coreMs = r.gradientMs + r.optimizerMs;
  const fullMs = coreMs + r.batchMs + r.setParamsMs;
  return [
    `${r.model} on ${r.engine} (${r.params.toLocaleString('en-US')} params), ${r.steps} timed steps of ${batchSize}, last loss ${r.lastLoss.toFixed(3)}`,
    `  gradient + optimizer.step: ${perStep(coreMs)} ms/step = ${samplesPerSecond(coreMs)} samples/s`,
    `  full step (+ batch, setParams): ${perStep(fullMs)} ms/step = ${samplesPerSecond(fullMs)} samples/s`,
    `  per step: gradient ${perStep(r.gradientMs)} ms, optimizer ${perStep(r.optimizerMs)} ms, setParams ${perStep(r.setParamsMs)} ms, batch ${perStep(r.batchMs)} ms`,
  ].join('\n');
}

interface Row {
  model: ModelKind;
  engine: string;
  samplesPerSecond: number;
  /** FlatModel.gradient alone (the engine's part; the optimizer step is TypeScript). */
  gradientSamplesPerSecond?: number;
}

function coreSamplesPerSecond(r: Result, batchSize: number): number {
  return (r.steps * batchSize) / ((r.gradientMs + r.optimizerMs) / 1000);
}

/** PyTorch's figure for the same model, or why there is none. */
function torchThroughput(kind: ModelKind, options: Options): number | string {
  if (spawnSync('python3', ['-c', 'import torch'], { encoding: 'utf8' }).status !== 0) return 'python3 cannot import torch';
  const script = path.join(__dirname, 'torch_throughput.py');
  const args = [script, '--model', kind, '--seconds', String(options.seconds), '--batch', String(options.batchSize), '--threads', '1'];
  const run = spawnSync('python3', args, { encoding: 'utf8' });
  if (run.status !== 0) return `torch_throughput.py failed: ${run.stderr.trim().split('\n').pop()}`;
  const { samplesPerSecond, steps, torch } = JSON.parse(run.stdout) as { samplesPerSecond: number; steps: number; torch: string };
  console.log(`${kind} on pytorch ${torch} (1 thread), ${steps} timed steps of ${options.batchSize}: ${Math.round(samplesPerSecond).toLocaleString('en-US')} samples/s`);
  return samplesPerSecond;
}

/** Each thread count's rounds, added up. */
function alternateThreads(kind: ModelKind, options: Options, setThreads: (threads: number) => void): Result[] {
  const totals = new Map<number, Result>();
  for (let round = 0; round < options.rounds; round++) {
    for (const threads of options.threads) {
      setThreads(threads);
      const r = measure(kind, `native ${threads} thread${threads > 1 ? 's' : ''}`, (spec) => createNativeModel(kind, spec), options, options.seconds / options.rounds);
      const t = totals.get(threads);
      if (t === undefined) totals.set(threads, r);
      else totals.set(threads, { ...r, steps: t.steps + r.steps, batchMs: t.batchMs + r.batchMs, gradientMs: t.gradientMs + r.gradientMs,
        optimizerMs: t.optimizerMs + r.optimizerMs, setParamsMs: t.setParamsMs + r.setParamsMs });
    }
  }
  return [...totals.values()];
}

function measureEngines(kind: ModelKind, options: Options): Row[] {
  const rows: Row[] = [];
  const record = (engine: string, create: (spec: ModelSpec) => FlatModel): void => add(measure(kind, engine, create, options));
  const add = (result: Result): void => {
    console.log(report(result, options.batchSize));
    const gradientSamplesPerSecond = (result.steps * options.batchSize) / (result.gradientMs / 1000);
    rows.push({ model: kind, engine: result.engine, samplesPerSecond: coreSamplesPerSecond(result, options.batchSize), gradientSamplesPerSecond });
  };
  if (options.engines.includes('wasm')) record('wasm', (spec) => createModel(kind, spec));
  const { engine, reason } = loadNativeEngine();
  if (options.engines.includes('native') && engine === undefined) console.log(`native engine not measured: ${reason}`);
  if (engine !== undefined && options.engines.includes('native')) {
    for (const result of alternateThreads(kind, options, (threads) => engine.addon.setThreads(threads))) add(result);
  }
  const torch = torchThroughput(kind, options);
  if (typeof torch === 'string') console.log(`pytorch not measured: ${torch}`);
  else rows.push({ model: kind, engine: 'pytorch 1 thread', samplesPerSecond: torch });
  return rows;
}

function summary(rows: Row[]): string {
  const lines = ['| model | engine | samples/s (gradient + step) | vs PyTorch (1 thread) | samples/s (gradient only) |', '|---|---|---|---|---|'];
  for (const row of rows) {
    const torch = rows.find((r) => r.model === row.model && r.engine.startsWith('pytorch'));
    const ratio = torch === undefined ? 'n/a' : `${(row.samplesPerSecond / torch.samplesPerSecond).toFixed(2)}×`;
    const gradientOnly = row.gradientSamplesPerSecond === undefined ? 'n/a' : Math.round(row.gradientSamplesPerSecond).toLocaleString('en-US');
    lines.push(`| ${row.model} | ${row.engine} | ${Math.round(row.samplesPerSecond).toLocaleString('en-US')} | ${ratio} | ${gradientOnly} |`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  // tfjs on wasm for the tfjs models; the native models are created directly, whatever auto would pick.
  const backend = await initBackend('wasm');
  // The load average matters on a shared 2-core machine: other processes steal the measured threads' cores.
  const load = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log(`${new Date().toISOString()}  node ${process.version}  ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown cpu'})  load ${load()}`);
  console.log(`tfjs backend: ${backend.name} (${backend.detail})`);
  const rows = options.models.flatMap((kind) => measureEngines(kind, options));
  console.log(`\nload at the end: ${load()}\n${summary(rows)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
