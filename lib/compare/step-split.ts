import type { RunResults } from '../metrics/results';

// A training step taken apart: where a worker's time goes (computing its gradient, waiting for and
// exchanging the others', applying the update) and how many bytes all workers move for it, per
// store. A step is one minibatch per worker; SPIRT synchronises once per --batches of them, so its
// figures are per minibatch as well.

export interface StepSplit {
  /** Steps per worker over the whole run (mean over workers). */
  steps: number;
  computeMs: number;
  syncMs: number;
  updateMs: number;
  /** Bytes written plus read by all workers, per step. */
  bytes: number;
  /** The same, per store that moved any (s3, redis, memcached, dynamodb, sqs, parameterServer). */
  bytesByStore: Record<string, number>;
}

/** Means per step over every epoch of a run; undefined when the run recorded no steps. */
export function stepSplit(results: Pick<RunResults, 'epochs'>): StepSplit | undefined {
  const epochs = results.epochs;
  const steps = epochs.reduce((s, e) => s + (e.steps ?? 0), 0);
  if (!(steps > 0)) return undefined;
  const perStep = (f: (e: (typeof epochs)[number]) => number) => epochs.reduce((s, e) => s + f(e), 0) / steps;
  const bytesByStore: Record<string, number> = {};
  for (const e of epochs) {
    for (const [store, b] of Object.entries(e.bytesByStore ?? {})) bytesByStore[store] = (bytesByStore[store] ?? 0) + (b.written + b.read) / steps;
  }
  return {
    steps,
    computeMs: perStep((e) => e.computeSeconds) * 1000,
    syncMs: perStep((e) => e.syncSeconds) * 1000,
    updateMs: perStep((e) => e.updateSeconds) * 1000,
    bytes: perStep((e) => e.bytesWritten + e.bytesRead),
    bytesByStore,
  };
}

/** The rows of the compare report's per-step table. */
export function stepSplitRows(runs: { label: string; results: Pick<RunResults, 'epochs'> }[]): { header: string[]; rows: string[][] } {
  const header = ['per step', 'steps', 'compute ms', 'sync ms', 'update ms', 'MB moved', 'MB by store'];
  const rows = runs.map((r) => {
    const s = stepSplit(r.results);
    if (!s) return [r.label, '-', '-', '-', '-', '-', 'not recorded'];
    const stores = Object.entries(s.bytesByStore).map(([store, b]) => `${store} ${(b / 1e6).toFixed(2)}`).join(', ');
    return [r.label, s.steps.toFixed(1), s.computeMs.toFixed(0), s.syncMs.toFixed(0), s.updateMs.toFixed(0), (s.bytes / 1e6).toFixed(2), stores || 'none'];
  });
  return { header, rows };
}
