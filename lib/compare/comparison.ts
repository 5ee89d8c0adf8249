import type { RunResults } from '../metrics/results';
import { stepSplit, stepSplitRows, type StepSplit } from './step-split';

// `mltrain compare`: several frameworks trained on the same data, model and seed, one after the
// other (so none steals the others' cores), summed up side by side. The combined file keeps each
// run's whole results beside the summary row, so nothing needs the per-run files to be read.

export interface ComparedRun {
  framework: string;
  /** The framework as shown in the table and chart: the GPU baseline says what trained it. */
  label: string;
  runId: string;
  resultsFile: string;
  lr: number;
  testAccuracy: number;
  testLoss: number;
  /** From the trigger to the end: servers' start excluded, data preparation included. */
  wallSeconds: number;
  /** Sum of the epochs' times: the training itself. */
  trainingSeconds: number;
  bytesMoved: number;
  costUsd: number;
  /** Test accuracy after each epoch, with the training time elapsed by then. */
  curve: { epoch: number; seconds: number; testAccuracy: number }[];
  /** A step's time split into compute, synchronisation and update, and its bytes per store. */
  perStep?: StepSplit;
  results: RunResults;
}

export interface Comparison {
  startedAt: string;
  finishedAt: string;
  /** What every run shares. */
  shared: { model: unknown; dataset: unknown; workers: unknown; epochs: unknown; batchSize: unknown; seed: unknown };
  runs: ComparedRun[];
  failed: { framework: string; error: string }[];
}

export function comparedRun(results: RunResults, resultsFile: string): ComparedRun {
  let elapsed = 0;
  const curve = results.epochs.map((e) => {
    elapsed += e.seconds;
    return { epoch: e.epoch, seconds: elapsed, testAccuracy: e.testAccuracy };
  });
  return {
    framework: results.framework, label: runLabel(results), runId: results.runId, resultsFile, lr: Number(results.config.lr),
    testAccuracy: results.final.testAccuracy, testLoss: results.final.testLoss, wallSeconds: results.wallSeconds,
    trainingSeconds: elapsed, bytesMoved: results.traffic.bytesWritten + results.traffic.bytesRead, costUsd: results.cost.usd,
    curve, perStep: stepSplit(results), results,
  };
}

/** "gpu (no GPU: wasm on CPU)" when the GPU baseline did not train on a GPU. */
export function runLabel(results: Pick<RunResults, 'framework' | 'accelerator'>): string {
  return results.accelerator && !results.accelerator.gpu ? `${results.framework} (${results.accelerator.label})` : results.framework;
}

export function buildComparison(
  runs: ComparedRun[], failed: Comparison['failed'], shared: Comparison['shared'], startedAt: Date, finishedAt: Date = new Date(),
): Comparison {
  return { startedAt: startedAt.toISOString(), finishedAt: finishedAt.toISOString(), shared, runs, failed };
}

/** The summary table, then a bar per run for accuracy, training time and estimated cost. */
export function comparisonReport(c: Comparison): string {
  const header = ['framework', 'test acc', 'test loss', 'train s', 'wall s', 'MB moved', 'est. $', 'lr', 'run'];
  const rows = c.runs.map((r) => [
    r.label, pct(r.testAccuracy), r.testLoss.toFixed(4), r.trainingSeconds.toFixed(1), r.wallSeconds.toFixed(1),
    (r.bytesMoved / 1e6).toFixed(1), r.costUsd.toFixed(4), String(r.lr), r.runId,
  ]);
  const s = c.shared;
  const lines = [
    '',
    `compared on ${s.model} / ${s.dataset}, ${s.workers} workers, ${s.epochs} epochs, batch ${s.batchSize}, seed ${s.seed}`,
    '',
    ...table(header, rows),
  ];
  if (c.runs.length) {
    // Accuracies are close together: their bars start at the tenth below the lowest, as the chart's axis does.
    const base = accuracyAxisFloor(c.runs.map((r) => r.testAccuracy));
    lines.push('', ...bars(`test accuracy (bars from ${pct(base)})`, c.runs, (r) => r.testAccuracy, pct, base));
    lines.push('', ...bars('training seconds', c.runs, (r) => r.trainingSeconds, (x) => `${x.toFixed(1)} s`));
    lines.push('', ...bars('estimated AWS cost', c.runs, (r) => r.costUsd, (x) => `$${x.toFixed(4)}`));
    lines.push('', ...costBreakdownTable(c.runs));
    const split = stepSplitRows(c.runs);
    lines.push('', ...table(split.header, split.rows));
  }
  for (const r of c.runs) if (r.results.accelerator && !r.results.accelerator.gpu) lines.push('', `${r.framework}: ${r.results.accelerator.note}`);
  for (const f of c.failed) lines.push('', `${f.framework} FAILED: ${f.error}`);
  return lines.join('\n');
}

const PARTS = [
  ['lambda', 'lambda'], ['stepFunctions', 'sfn'], ['s3', 's3'], ['sqs', 'sqs'], ['dynamodb', 'dynamodb'],
  ['elastiCache', 'elasticache'], ['ec2', 'ec2'], ['vpcEndpoints', 'endpoints'], ['dataTransfer', 'transfer'],
] as const;

/** Where each run's estimate comes from, and what its service costs per hour while deployed and idle. */
function costBreakdownTable(runs: ComparedRun[]): string[] {
  const header = ['estimated $ by part', ...PARTS.map(([, name]) => name), 'idle $/h'];
  const rows = runs.map((r) => [
    r.label, ...PARTS.map(([key]) => (r.results.cost.breakdown[key] ?? 0).toFixed(4)), (r.results.cost.idleUsdPerHour ?? 0).toFixed(3),
  ]);
  return table(header, rows);
}

function table(header: string[], rows: string[][]): string[] {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((row) => row[c].length)));
  const line = (row: string[]) => row.map((cell, c) => (c === 0 || c === row.length - 1 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

const BAR_WIDTH = 40;

/** The tenth at or below the lowest accuracy: where accuracy bars and the chart's axis start. */
export function accuracyAxisFloor(accuracies: number[]): number {
  return Math.max(0, Math.floor(Math.min(1, ...accuracies) * 10) / 10);
}

/** Horizontal bars from `base` (default 0) to the largest value. */
export function bars(title: string, runs: ComparedRun[], value: (r: ComparedRun) => number, label: (x: number) => string, base = 0): string[] {
  const max = Math.max(...runs.map(value)) - base;
  const nameWidth = Math.max(...runs.map((r) => r.label.length));
  return [
    title,
    ...runs.map((r) => {
      const v = value(r) - base;
      const n = max > 0 ? Math.max(v > 0 ? 1 : 0, Math.round((v / max) * BAR_WIDTH)) : 0;
      return `  ${r.label.padEnd(nameWidth)}  ${'█'.repeat(n)}${' '.repeat(BAR_WIDTH - n)}  ${label(value(r))}`;
    }),
  ];
}

function pct(x: number): string {
  return `${(100 * x).toFixed(2)}%`;
}
