import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { requireFramework } from '../frameworks/catalog';
import { datasetPrefix, newRunId } from '../frameworks/run/run-keys';
import type { TrainingConfig } from '../frameworks/run/training-config';
import { isCurrentDataset, uploadDataset } from '../ml/data/bucket';
import { isAugmented, loadDataset, preparedDataSuffix } from '../ml/data/catalog';
import { buildResults, type RunResults } from '../metrics/results';
import type { ObjectStore } from '../stores/types';
import { followRun, LocalRunError } from './follow-run';
import { localServerKinds, prepareFrameworkLocal } from './frameworks/registry';
import type { InvocationRecord } from './lambda/types';
import { engineNotice } from './engine-notice';
import { assertWritableFile, saveResults } from './results-file';
import type { LocalRunEvent } from './run-events';
import { LocalRuntime, REPO_ROOT } from './runtime';
import { StartupProgress } from './startup-progress';

// Runs a framework end to end on this machine: real local servers, the service's own handlers
// invoked through the Lambda API, progress read from the bucket as the run writes it.

export type { LocalRunEvent } from './run-events';
export { LocalRunError } from './follow-run';

export interface LocalRunOptions {
  framework: string;
  config: TrainingConfig;
  runId?: string;
  /** Folder holding runs/<runId>/ and the shared local S3 data (default: <repo>/runs). */
  runsDir?: string;
  /** Where the results are copied (they are always written to runs/<runId>/results.json first). */
  out?: string;
  /**
   * End the run as soon as a function's process dies (default true); false leaves detection to the
   * framework (its own tests), so failed asynchronous invocations then go to no on-failure destination.
   */
  endOnProcessDeath?: boolean;
  timeoutOverrides?: Record<string, number>;
  onEvent?: (event: LocalRunEvent) => void;
  /** Called once the runtime is up (tests use it to reach the running invocations). */
  onRuntime?: (runtime: LocalRuntime) => void;
}

export const DEFAULT_RUNS_DIR = path.join(REPO_ROOT, 'runs');

export async function trainLocally(opts: LocalRunOptions): Promise<RunResults> {
  const framework = requireFramework(opts.framework);
  if (opts.out) assertWritableFile('out', opts.out); // before anything runs
  const runsDir = path.resolve(opts.runsDir ?? DEFAULT_RUNS_DIR);
  const runId = opts.runId ?? newRunId(framework.name);
  const runDir = path.join(runsDir, runId);
  mkdirSync(runDir, { recursive: true });
  const emit = opts.onEvent ?? (() => undefined);
  const progress = (message: string) => emit({ type: 'progress', message });
  const startedAt = new Date();
  const notice = engineNotice();
  if (notice) progress(notice);

  const { runtime, extra } = await startRuntime(opts, framework, runsDir, runDir, progress);
  try {
    extra?.afterStart(runtime);
    opts.onRuntime?.(runtime);
    emit({ type: 'runtime-started', runId, runDir });
    for (const event of extra?.events ?? []) emit(event);
    const store = runtime.store();
    const manifestKey = await prepareData(store, opts.config, emit);
    progress('invoking the trigger');
    const started = await runtime.lambda.invoke(runtime.functionName(framework.service, 'trigger'), { runId, config: opts.config, manifestKey });
    if (started.functionError) throw new LocalRunError(`trigger failed: ${started.functionError.errorMessage}`, runId, runDir);
    const reporting = framework.singleProcess ? 1 : opts.config.workers;
    emit({ type: 'run-started', runId, workers: reporting });

    const { summaries, progress: perRank, done } = await followRun({
      store, runtime, runId, runDir, config: opts.config, reporting, emit, endOnProcessDeath: opts.endOnProcessDeath !== false,
      startup: new StartupProgress(() => runtime.lambda.invocations(), progress),
    });
    await runtime.jobs.whenIdle(5000); // the trainer wrote done.json and is exiting: let its log end
    const results = buildResults({
      runId, framework: framework.name, config: { ...opts.config }, startedAt, wallSeconds: (Date.now() - startedAt.getTime()) / 1000,
      summaries, progress: perRank, done, invocations: usage(runtime.lambda.invocations()),
      stepFunctions: runtime.stepFunctions.executions().length ? runtime.stepFunctions.usage() : undefined,
    });
    saveResults(results, runDir, opts.out);
    return results;
  } finally {
    await runtime.stop();
    await extra?.stop();
  }
}

/** The framework's local stand-ins, then the runtime (servers, Lambda, Step Functions) wired to them. */
async function startRuntime(opts: LocalRunOptions, framework: ReturnType<typeof requireFramework>, runsDir: string, runDir: string, progress: (m: string) => void) {
  const extra = await prepareFrameworkLocal(framework.name, opts.config, runDir, progress);
  const runtime = await LocalRuntime.start({
    runDir, s3Dir: path.join(runsDir, '.s3'), services: [framework.service], servers: localServerKinds(framework.name, opts.config), timeoutOverrides: opts.timeoutOverrides,
    destinations: opts.endOnProcessDeath !== false,
    environmentOverrides: extra?.environmentOverrides, onProgress: progress,
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
  return { runtime, extra };
}

/** Shards and uploads the dataset, unless the same split (dataset, workers, seed) is already there. */
async function prepareData(store: ObjectStore, config: TrainingConfig, emit: (e: LocalRunEvent) => void): Promise<string> {
  const t0 = Date.now();
  const prefix = datasetPrefix(config.dataset, config.workers, config.seed) + preparedDataSuffix(config);
  const manifestKey = `${prefix}/manifest.json`;
  const reusable = await isCurrentDataset(store, manifestKey, config.workers);
  if (!reusable) {
    emit({ type: 'progress', message: `preparing ${config.dataset} for ${config.workers} workers: loading, sharding and uploading it to the local S3` });
    const data = loadDataset(config.dataset, config.seed, config);
    await uploadDataset(store, data, { dataset: config.dataset, workers: config.workers, seed: config.seed, prefix, augment: isAugmented(config.dataset) });
  }
  emit({ type: 'data-ready', manifestKey, reused: reusable, seconds: (Date.now() - t0) / 1000 });
  return manifestKey;
}

function usage(records: readonly InvocationRecord[]) {
  return records.map((r) => ({
    functionKey: r.functionKey, memoryMb: r.memoryMb, seconds: ((r.endedAt ?? Date.now()) - r.startedAt) / 1000, initSeconds: (r.initMs ?? 0) / 1000,
  }));
}
