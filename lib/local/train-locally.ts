import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { requireFramework } from '../frameworks/catalog';
import type { EpochProgress, EpochSummary, RunDone } from '../frameworks/run/reports';
import { datasetManifestKey, datasetPrefix, newRunId, runKeys } from '../frameworks/run/run-keys';
import { readRunFailure } from '../frameworks/run/run-status';
import type { TrainingConfig } from '../frameworks/run/training-config';
import { uploadDataset, loadManifest } from '../ml/data/bucket';
import { loadDataset } from '../ml/data/catalog';
import { buildResults, epochResult, type EpochResult, type RunResults } from '../metrics/results';
import { loadJson } from '../stores/json';
import type { ObjectStore } from '../stores/types';
import { sleep } from '../util/wait';
import type { LocalJobRecord } from './jobs';
import type { InvocationRecord } from './lambda/emulator';
import type { ExecutionRecord } from './step-functions/execution';
import { LocalRuntime, REPO_ROOT } from './runtime';
import type { ServerKind } from './servers/types';
import { prepareSpirtLocal } from './frameworks/spirt';

// Runs a framework end to end on this machine: real local servers, the service's own handlers
// invoked through the Lambda API, progress read from the bucket as the run writes it.

export type LocalRunEvent =
  | { type: 'runtime-started'; runId: string; runDir: string }
  | { type: 'peer-databases'; pids: number[] }
  | { type: 'data-ready'; manifestKey: string; reused: boolean; seconds: number }
  | { type: 'run-started'; runId: string; workers: number }
  | { type: 'epoch'; epoch: number; epochs: number; result: EpochResult };

export interface LocalRunOptions {
  framework: string;
  config: TrainingConfig;
  runId?: string;
  /** Folder holding runs/<runId>/ and the shared local S3 data (default: <repo>/runs). */
  runsDir?: string;
  /** Results file (default: runs/<runId>/results.json). */
  out?: string;
  timeoutOverrides?: Record<string, number>;
  onEvent?: (event: LocalRunEvent) => void;
  /** Called once the runtime is up (tests use it to reach the running invocations). */
  onRuntime?: (runtime: LocalRuntime) => void;
}

export class LocalRunError extends Error {
  constructor(message: string, readonly runId: string, readonly runDir: string) {
    super(message);
    this.name = 'LocalRunError';
  }
}

export const DEFAULT_RUNS_DIR = path.join(REPO_ROOT, 'runs');

export async function trainLocally(opts: LocalRunOptions): Promise<RunResults> {
  const framework = requireFramework(opts.framework);
  const runsDir = path.resolve(opts.runsDir ?? DEFAULT_RUNS_DIR);
  const runId = opts.runId ?? newRunId(framework.name);
  const runDir = path.join(runsDir, runId);
  mkdirSync(runDir, { recursive: true });
  const emit = opts.onEvent ?? (() => undefined);
  const startedAt = new Date();

  const extra = framework.name === 'spirt' ? await prepareSpirtLocal(opts.config, runDir) : undefined;
  const runtime = await LocalRuntime.start({
    runDir, s3Dir: path.join(runsDir, '.s3'), services: [framework.service], servers: serversFor(framework.servers, opts.config), timeoutOverrides: opts.timeoutOverrides,
    environmentOverrides: extra?.environmentOverrides,
    // What `sls deploy --param workers=N` sets on AWS (MLLESS: one queue per worker), and the
    // LambdaML collectives' `--param channel=...` (the functions' MLTRAIN_CHANNEL).
    params: {
      workers: String(opts.config.workers), ...(opts.config.channel ? { channel: opts.config.channel } : {}),
      // SPIRT's `--param batches=N`: the round state machine and the trigger's check both follow it.
      ...(opts.config.batches !== undefined ? { batches: String(opts.config.batches) } : {}),
    },
  }).catch(async (err: unknown) => {
    await extra?.stop();
    throw err;
  });
  try {
    extra?.afterStart(runtime);
    opts.onRuntime?.(runtime);
    emit({ type: 'runtime-started', runId, runDir });
    if (extra) emit({ type: 'peer-databases', pids: extra.peerDatabasePids });
    const store = runtime.store();
    const manifestKey = await prepareData(store, opts.config, emit);
    const started = await runtime.lambda.invoke(runtime.functionName(framework.service, 'trigger'), { runId, config: opts.config, manifestKey });
    if (started.functionError) throw new LocalRunError(`trigger failed: ${started.functionError.errorMessage}`, runId, runDir);
    const reporting = framework.singleProcess ? 1 : opts.config.workers;
    emit({ type: 'run-started', runId, workers: reporting });

    const { summaries, progress, done } = await followRun(store, runtime, runId, opts.config, reporting, emit, runDir);
    await runtime.jobs.whenIdle(5000); // the trainer wrote done.json and is exiting: let its log end
    const results = buildResults({
      runId, framework: framework.name, config: { ...opts.config }, startedAt, wallSeconds: (Date.now() - startedAt.getTime()) / 1000,
      summaries, progress, done, invocations: usage(runtime.lambda.invocations()), instances: framework.instances,
      stateTransitions: runtime.stepFunctions.executions().length ? runtime.stepFunctions.transitions() : undefined,
    });
    const out = opts.out ?? path.join(runDir, 'results.json');
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
    return results;
  } finally {
    await runtime.stop();
    await extra?.stop();
  }
}

/** The framework's own servers, plus the store its --channel names (S3 runs anyway). */
function serversFor(frameworkServers: ServerKind[], config: TrainingConfig): ServerKind[] {
  const channel = config.channel && config.channel !== 's3' ? [config.channel] : [];
  return [...new Set([...frameworkServers, ...channel])];
}

/** Shards and uploads the dataset, unless the same split (dataset, workers, seed) is already there. */
async function prepareData(store: ObjectStore, config: TrainingConfig, emit: (e: LocalRunEvent) => void): Promise<string> {
  const t0 = Date.now();
  const manifestKey = datasetManifestKey(config.dataset, config.workers, config.seed);
  const reusable = await loadManifest(store, manifestKey, config.workers).then(() => true, () => false);
  if (!reusable) {
    const data = loadDataset(config.dataset, config.seed);
    await uploadDataset(store, data, { dataset: config.dataset, workers: config.workers, seed: config.seed, prefix: datasetPrefix(config.dataset, config.workers, config.seed) });
  }
  emit({ type: 'data-ready', manifestKey, reused: reusable, seconds: (Date.now() - t0) / 1000 });
  return manifestKey;
}

/** Follows the run through the bucket; `reporting` is how many processes write progress each epoch. */
async function followRun(
  store: ObjectStore, runtime: LocalRuntime, runId: string, config: TrainingConfig, reporting: number, emit: (e: LocalRunEvent) => void, runDir: string,
): Promise<{ summaries: EpochSummary[]; progress: EpochProgress[][]; done: RunDone }> {
  const keys = runKeys(runId);
  const summaries: EpochSummary[] = [];
  const progress: EpochProgress[][] = [];
  let idlePolls = 0;
  let doneSeenAt: number | undefined;
  for (;;) {
    const failure = await readRunFailure(store, runId);
    if (failure) throw new LocalRunError(`run ${runId} failed: ${failure.reason} (detected by ${failure.detectedBy})`, runId, runDir);
    const done = await loadJson<RunDone>(store, keys.done);
    // Once the run is done, only the workers (peers) that finished it are waited for.
    const ranks = done ? done.reports.map((r) => r.rank) : Array.from({ length: reporting }, (_, r) => r);
    while (summaries.length < config.epochs) {
      const epoch = summaries.length + 1;
      const summary = await loadJson<EpochSummary>(store, keys.epochSummary(epoch));
      if (!summary) break;
      const perRank = await Promise.all(ranks.map((r) => loadJson<EpochProgress>(store, keys.progress(epoch, r))));
      if (perRank.some((p) => !p)) break;
      summaries.push(summary);
      progress.push(perRank as EpochProgress[]);
      const result = epochResult(summary, perRank as EpochProgress[], progress[epoch - 2]);
      emit({ type: 'epoch', epoch, epochs: config.epochs, result });
    }
    // A run may end early (SPIRT's early stopping): done with fewer epochs is still done. But a
    // peer that another peer wrongly took for dead may still be writing the epoch it finished:
    // while anyone has progress for the next epoch, its summary is waited for (bounded).
    if (done && !(await loadJson(store, keys.epochSummary(summaries.length + 1)))) {
      const next = summaries.length + 1;
      const started = await Promise.all(Array.from({ length: config.workers }, (_, r) => loadJson(store, keys.progress(next, r))));
      doneSeenAt ??= Date.now();
      const grace = Date.now() - doneSeenAt < config.syncTimeoutSeconds * 2000;
      if (!started.some(Boolean) || !grace) return { summaries, progress, done };
    }
    // Every function, state machine execution and job has stopped (an execution waiting out a Retry
    // interval runs no function) and nothing says the run is over: report what the runtime saw.
    const { lambda, stepFunctions, jobs } = runtime;
    idlePolls = lambda.running() === 0 && stepFunctions.running() === 0 && jobs.running() === 0 ? idlePolls + 1 : 0;
    if (idlePolls >= 3 && done) return { summaries, progress, done }; // nothing runs that could still write
    if (idlePolls >= 3) {
      const executions = describeExecutionFailures(stepFunctions.executions());
      const invocations = lambda.invocations().some((r) => r.status !== 'succeeded' && r.status !== 'running') || executions.length === 0 ? [describeFailures(lambda.invocations(), jobs.jobs())] : [];
      const why = [...executions, ...invocations].join('; ');
      throw new LocalRunError(`run ${runId} stopped without finishing: ${why}`, runId, runDir);
    }
    await sleep(250);
  }
}

function describeFailures(records: readonly InvocationRecord[], jobs: readonly LocalJobRecord[]): string {
  const failed = records.filter((r) => r.status !== 'succeeded' && r.status !== 'running');
  const failedJobs = jobs.filter((j) => j.status === 'failed')
    .map((j) => `${j.job} ${j.runId} exited with ${j.signal ?? `code ${j.exitCode}`} (see its log)`);
  if (failed.length === 0 && failedJobs.length === 0) return 'every invocation returned, but the run left no result (see the logs)';
  return [...failed.map((r) => `${r.functionKey}${r.rank !== undefined ? ` rank ${r.rank}` : ''} ${r.status}: ${r.error ?? ''}`), ...failedJobs].join('; ');
}

function describeExecutionFailures(executions: readonly ExecutionRecord[]): string[] {
  return executions.filter((e) => e.status !== 'SUCCEEDED' && e.status !== 'RUNNING')
    .map((e) => `state machine ${e.machine} execution ${e.name} ${e.status}${e.error ? `: ${e.error}` : ''}${e.cause ? ` (${e.cause})` : ''}`);
}

function usage(records: readonly InvocationRecord[]) {
  return records.map((r) => ({ functionKey: r.functionKey, memoryMb: r.memoryMb, seconds: ((r.endedAt ?? Date.now()) - r.startedAt) / 1000 }));
}
