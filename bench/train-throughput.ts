/**
 * Training throughput on real MNIST: times FlatModel.gradient + FlatOptimizer.step (and, separately,
 * the whole step including batch assembly and setParams) for batches of 64 after a warm-up, on
 * whichever tfjs backend initBackend picks.
 *
 *   node --import tsx bench/train-throughput.ts [--model mlp|cnn|all] [--seconds 6] [--batch 64]
 */
import * as os from 'node:os';
import { initBackend } from '../lib/ml/backend';
import { batchAt, epochOrder, stepsPerEpoch } from '../lib/ml/data/batches';
import { loadMnist } from '../lib/ml/data/mnist';
import { createModel, type ModelKind } from '../lib/ml/models';
import { createOptimizer } from '../lib/ml/optimizers';

const WARM_UP_STEPS = 5;

interface Options {
  models: ModelKind[];
  seconds: number;
  batchSize: number;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { models: ['mlp', 'cnn'], seconds: 6, batchSize: 64 };
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
    } else {
      throw new Error(`unknown option ${flag} (expected --model, --seconds, --batch)`);
    }
  }
  return options;
}

interface Result {
  model: ModelKind;
  params: number;
  steps: number;
  batchMs: number;
  gradientMs: number;
  optimizerMs: number;
  setParamsMs: number;
  lastLoss: number;
}

function measure(kind: ModelKind, options: Options): Result {
  const { train } = loadMnist();
  const model = createModel(kind, { inputShape: train.featureShape, numClasses: train.numClasses, seed: 1 });
  const optimizer = createOptimizer({ kind: 'sgd', lr: 0.05, momentum: 0.9 }, model.numParams);
  const params = model.getParams();
  const order = epochOrder(train.count, 1, 1);
  const stepsInEpoch = stepsPerEpoch(train.count, options.batchSize);
  const result: Result = { model: kind, params: model.numParams, steps: 0, batchMs: 0, gradientMs: 0, optimizerMs: 0, setParamsMs: 0, lastLoss: NaN };

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
  const deadline = performance.now() + options.seconds * 1000;
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
    `${r.model} (${r.params.toLocaleString('en-US')} params), ${r.steps} timed steps of ${batchSize}, last loss ${r.lastLoss.toFixed(3)}`,
    `  gradient + optimizer.step: ${perStep(coreMs)} ms/step = ${samplesPerSecond(coreMs)} samples/s`,
    `  full step (+ batch, setParams): ${perStep(fullMs)} ms/step = ${samplesPerSecond(fullMs)} samples/s`,
    `  per step: gradient ${perStep(r.gradientMs)} ms, optimizer ${perStep(r.optimizerMs)} ms, setParams ${perStep(r.setParamsMs)} ms, batch ${perStep(r.batchMs)} ms`,
  ].join('\n');
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const backend = await initBackend('auto');
  // The load average matters on a shared 2-core machine: other processes steal the single tfjs thread's core.
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log(`${new Date().toISOString()}  node ${process.version}  ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown cpu'})  load ${load}`);
  console.log(`backend: ${backend.name} (${backend.detail})`);
  for (const kind of options.models) console.log(report(measure(kind, options), options.batchSize));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
