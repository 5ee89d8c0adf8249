import path from 'node:path';
import { FRAMEWORKS, type FrameworkName } from '../frameworks/catalog';
import type { LocalRunEvent } from '../local/train-locally';
import type { EpochResult, RunResults } from '../metrics/results';

// What a person reads on the terminal: one line per epoch, a table at the end.

export function epochLine(epoch: number, epochs: number, r: EpochResult): string {
  return `epoch ${epoch}/${epochs}  train loss ${r.trainLoss.toFixed(4)}  test loss ${r.testLoss.toFixed(4)}  `
    + `test acc ${pct(r.testAccuracy)}  ${r.seconds.toFixed(1)} s (compute ${r.computeSeconds.toFixed(1)} s, sync ${r.syncSeconds.toFixed(1)} s)  `
    + `moved ${mb(r.bytesWritten + r.bytesRead)}`;
}

/** What a person sees of a local run's progress: a line per event worth telling. */
export function progressLine(e: LocalRunEvent): string | undefined {
  if (e.type === 'progress') return `  ${e.message}`;
  if (e.type === 'runtime-started') return `run ${e.runId}: local servers up, logs in ${path.relative(process.cwd(), e.runDir) || e.runDir}/logs`;
  if (e.type === 'data-ready') return `dataset ${e.manifestKey} ${e.reused ? 'already prepared' : `sharded and uploaded in ${e.seconds.toFixed(1)} s`}`;
  if (e.type === 'run-started') return `trigger started ${e.workers} ${e.workers === 1 ? 'process' : 'workers'}`;
  if (e.type === 'epoch') return epochLine(e.epoch, e.epochs, e.result);
  return undefined;
}

export function summaryTable(r: RunResults, resultsFile: string): string {
  const cfg = r.config as Record<string, unknown>;
  const rows = [['epoch', 'seconds', 'train loss', 'test loss', 'test acc', 'compute s', 'sync s', 'update s', 'MB moved']];
  for (const e of r.epochs) {
    rows.push([String(e.epoch), e.seconds.toFixed(1), e.trainLoss.toFixed(4), e.testLoss.toFixed(4), pct(e.testAccuracy),
      e.computeSeconds.toFixed(2), e.syncSeconds.toFixed(2), e.updateSeconds.toFixed(2), ((e.bytesWritten + e.bytesRead) / 1e6).toFixed(1)]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  const table = rows.map((row) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
  table.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  const t = r.traffic;
  const requests = Object.entries(t.requests).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n.toLocaleString('en-US')}`).join(', ');
  const cost = Object.entries(r.cost.breakdown).filter(([, usd]) => usd > 0).map(([k, usd]) => `${k} $${usd.toFixed(4)}`).join(', ');
  return [
    '',
    `${r.framework} run ${r.runId}: ${who(r.framework, cfg)}, ${cfg.model} on ${cfg.dataset}, ${cfg.optimizer} lr ${cfg.lr}, batch ${cfg.batchSize}, seed ${cfg.seed}, backend ${r.backend}`,
    '',
    ...table,
    '',
    `final test accuracy ${pct(r.final.testAccuracy)}, test loss ${r.final.testLoss.toFixed(4)}, wall ${r.wallSeconds.toFixed(1)} s`,
    `parameters ${r.final.numParams.toLocaleString('en-US')}, digest ${r.final.paramsDigest}`,
    `traffic: ${mb(t.bytesWritten)} written, ${mb(t.bytesRead)} read${bytesPerStore(t)}; requests: ${requests}`,
    ...(typeof r.details?.summary === 'string' ? [r.details.summary] : []),
    `estimated AWS cost $${r.cost.usd.toFixed(4)} (${cost}): an estimate from local timings, see the results file`,
    `results: ${resultsFile}`,
  ].join('\n');
}

/** The GPU baseline is one process taking the step of all the workers it stands for. */
function who(framework: string, cfg: Record<string, unknown>): string {
  const single = (FRAMEWORKS as Record<string, { singleProcess?: boolean }>)[framework as FrameworkName]?.singleProcess;
  return single ? `1 process taking the step of ${cfg.workers} workers` : `${cfg.workers} workers`;
}

/** " (redis 12.1 MB / 48.3 MB, sqs ...)": written / read per store that moved anything. */
function bytesPerStore(t: RunResults['traffic']): string {
  const parts = Object.entries(t.bytesByKind ?? {}).filter(([, b]) => b.written + b.read > 0).map(([k, b]) => `${k} ${mb(b.written)} / ${mb(b.read)}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

function pct(x: number): string {
  return `${(100 * x).toFixed(2)}%`;
}

function mb(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(1)} MB`;
}
