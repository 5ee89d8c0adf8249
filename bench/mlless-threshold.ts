/**
 * MLLESS's significance threshold against update bytes and accuracy, on real MNIST, through the
 * whole local stack (the service's handlers, Redis, SQS, S3): for each model, one run of the `all`
 * variant (every update in full), one `significant` run per threshold, and one AllReduce run as the
 * yardstick. Prints, per run, the update bytes the workers stored in Redis, that as a share of
 * `all`, the final test accuracy and its difference from AllReduce.
 *
 *   nice node --import tsx bench/mlless-threshold.ts [--models lr,mlp] [--thresholds 0,0.001,0.01,0.1,1,10]
 *                                                    [--epochs 3] [--workers 4] [--no-allreduce] [--no-all] [--out file.json]
 *
 * The share of `all` is the run's update bytes over what sending every update dense takes, which is
 * exactly what the `all` variant sends (results.details.updates.denseBytes): --no-all skips that run.
 *
 * Slow: each run trains the model for real (several minutes per run on two shared cores).
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import type { MllessRunDetails } from '../lib/frameworks/mlless/reports';
import { resolveTrainingConfig, type TrainingConfigInput } from '../lib/frameworks/run/training-config';
import { trainLocally } from '../lib/local/train-locally';
import type { RunResults } from '../lib/metrics/results';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

interface Options {
  models: ('lr' | 'mlp')[];
  thresholds: number[];
  epochs: number;
  workers: number;
  allreduce: boolean;
  all: boolean;
  out?: string;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { models: ['lr', 'mlp'], thresholds: [0, 0.001, 0.01, 0.1, 1, 10], epochs: 3, workers: 4, allreduce: true, all: true };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--no-allreduce') { o.allreduce = false; continue; }
    if (flag === '--no-all') { o.all = false; continue; }
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--models') {
      o.models = value.split(',').map((m) => {
        if (m !== 'lr' && m !== 'mlp') throw new Error(`--models takes lr and/or mlp, got '${m}'`);
        return m;
      });
    } else if (flag === '--thresholds') {
      o.thresholds = value.split(',').map((t) => {
        const x = Number(t);
        if (t.trim() === '' || !(x >= 0)) throw new Error(`--thresholds takes numbers ≥ 0, got '${t}'`);
        return x;
      });
    } else if (flag === '--epochs' || flag === '--workers') {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer, got '${value}'`);
      if (flag === '--epochs') o.epochs = n;
      else o.workers = n;
    } else if (flag === '--out') {
      o.out = value;
    } else {
      throw new Error(`unknown option ${flag} (expected --models, --thresholds, --epochs, --workers, --no-allreduce, --no-all, --out)`);
    }
  }
  return o;
}

interface Row {
  model: string;
  run: string;
  updateBytes?: number;
  fractionOfAll?: number;
  accuracy: number;
  wallSeconds: number;
  steps?: number;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const rows: Row[] = [];
  const say = (line: string) => process.stdout.write(line + '\n');
  say(`MLLESS threshold sweep: MNIST, ${o.workers} workers, ${o.epochs} epochs, batch 64, sgd lr 0.05 momentum 0.9, seed 42; ${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(1)}`);
  for (const model of o.models) {
    const common: TrainingConfigInput = { model, dataset: 'mnist', workers: o.workers, epochs: o.epochs, seed: 42 };
    const train = async (framework: 'mlless' | 'allreduce', extra: TrainingConfigInput): Promise<RunResults> =>
      trainLocally({ framework, config: resolveTrainingConfig({ ...common, ...extra }, { framework }) });
    const row = (run: string, r: RunResults): Row => {
      const d = r.details as unknown as MllessRunDetails | undefined;
      return {
        model, run, updateBytes: d?.updates.bytes, fractionOfAll: d?.updates.fractionOfDense,
        accuracy: r.final.testAccuracy, wallSeconds: r.wallSeconds, steps: d?.steps,
      };
    };
    let reference: number | undefined;
    const record = (run: string, r: RunResults) => {
      rows.push(row(run, r));
      reference ??= r.final.testAccuracy;
      say(line(rows[rows.length - 1], reference));
    };
    if (o.allreduce) record('allreduce', await train('allreduce', {}));
    if (o.all) record('mlless all', await train('mlless', { variant: 'all' }));
    for (const threshold of o.thresholds) record(`significant ${threshold}`, await train('mlless', { variant: 'significant', threshold }));
  }
  if (o.out) writeFileSync(o.out, JSON.stringify({ options: o, rows }, null, 2) + '\n');
}

/** The run, its update bytes (and share of `all`), its accuracy and the difference from the first run's. */
function line(r: Row, reference: number): string {
  const mb = r.updateBytes === undefined ? '' : `${(r.updateBytes / 1e6).toFixed(1)} MB update bytes`;
  const share = r.fractionOfAll === undefined ? '' : ` (${(100 * r.fractionOfAll).toFixed(1)}% of all)`;
  const delta = 100 * (r.accuracy - reference);
  return `${r.model.padEnd(4)} ${r.run.padEnd(18)} ${`${mb}${share}`.padEnd(36)} accuracy ${(100 * r.accuracy).toFixed(2)}% (${delta >= 0 ? '+' : ''}${delta.toFixed(2)} pt)  ${r.wallSeconds.toFixed(0)} s`;
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
