import { z } from 'zod';
import { DATASET_NAMES } from '../../ml/data/names';
import { loadJson, saveJson } from '../../stores/json';
import type { ObjectStore, StoreKind } from '../../stores/types';
import type { DataParallelWorkerEvent } from '../run/events';
import type { RunRecord } from '../run/run-record';
import { datasetManifestKey, runKeys } from '../run/run-keys';
import { InvalidInputError, MODEL_KINDS, resolveTrainingConfig, runIdSchema } from '../run/training-config';
import type { CollectiveFramework } from './collectives';

// The event the original LambdaML replication functions took ({ data_bucket, rank, num_workers },
// started once per worker by a script), mapped to this product's worker event. Fields that
// correspond are mapped; fields that only said where LambdaML kept its intermediate data are
// accepted and reported as unused; any other field is refused, so nothing that would change
// training is silently dropped. The seed event has no run id, and N independently started workers
// must agree on one, so `run_id` is required (docs/frameworks/allreduce.md, "The seeds' event").

/** LambdaML's sync_mode values each function runs; `async` is AllReduce's --sync async. */
const SEED_SYNC_MODES: Record<CollectiveFramework, string[]> = { allreduce: ['reduce', 'async'], 'scatter-reduce': ['reduce_scatter'] };

/** LambdaML's own payload fields naming its buckets, tables, hosts and function: no effect on training here. */
export const SEED_UNUSED_FIELDS = ['tmp_bucket', 'merged_bucket', 'cp_bucket', 'tmp_table_name', 'merged_table_name', 'key_col', 'host', 'port', 'function_name', 'run_epochs'] as const;

export const seedWorkerEventSchema = z.object({
  data_bucket: z.string().min(1),
  rank: z.number().int().min(0),
  num_workers: z.number().int().min(1).max(256),
  run_id: runIdSchema,
  // LambdaML's names for what this product calls rank, workers, epochs, batchSize, lr, model.
  worker_index: z.number().int().min(0).optional(),
  n_workers: z.number().int().min(1).optional(),
  n_epochs: z.number().int().min(1).optional(),
  batch_size: z.number().int().min(1).optional(),
  lr: z.number().positive().optional(),
  model: z.enum(MODEL_KINDS).optional(),
  dataset: z.enum(DATASET_NAMES).optional(),
  seed: z.number().int().min(0).optional(),
  sync_mode: z.string().optional(),
  optim: z.literal('grad_avg').optional(),
  start_epoch: z.literal(0).optional(),
  ...Object.fromEntries(SEED_UNUSED_FIELDS.map((k) => [k, z.union([z.string(), z.number()]).optional()])),
}).strict().refine((e) => e.rank < e.num_workers, { message: 'rank must be smaller than num_workers', path: ['rank'] });

export type SeedWorkerEvent = z.output<typeof seedWorkerEventSchema>;

/** A seed-shaped event is recognised by LambdaML's own field names. */
export function isSeedEvent(event: unknown): boolean {
  return typeof event === 'object' && event !== null && ['data_bucket', 'num_workers', 'run_id'].some((k) => k in event);
}

export interface SeedDeployment {
  /** The bucket this deployment's workers read their shards from. */
  bucketName: string;
  /** The channel the stack was deployed for (default s3). */
  channel?: StoreKind;
}

/** The product's first-invocation worker event for a seed event; throws, naming the field, when they disagree. */
export function workerEventFromSeed(framework: CollectiveFramework, seed: SeedWorkerEvent, deployment: SeedDeployment): DataParallelWorkerEvent {
  const refuse = (msg: string) => { throw new InvalidInputError(`invalid seed worker event: ${msg}`); };
  if (seed.data_bucket !== deployment.bucketName) {
    refuse(`data_bucket "${seed.data_bucket}" is not this deployment's bucket "${deployment.bucketName}", where the prepared shards are read from`);
  }
  if (seed.worker_index !== undefined && seed.worker_index !== seed.rank) refuse(`worker_index ${seed.worker_index} differs from rank ${seed.rank}`);
  if (seed.n_workers !== undefined && seed.n_workers !== seed.num_workers) refuse(`n_workers ${seed.n_workers} differs from num_workers ${seed.num_workers}`);
  const modes = SEED_SYNC_MODES[framework];
  if (seed.sync_mode !== undefined && !modes.includes(seed.sync_mode)) {
    refuse(`sync_mode "${seed.sync_mode}" is not what ${framework} runs (sync_mode ${modes.map((m) => `"${m}"`).join(' or ')})`);
  }
  const config = resolveTrainingConfig({
    workers: seed.num_workers, epochs: seed.n_epochs, batchSize: seed.batch_size, lr: seed.lr,
    model: seed.model, dataset: seed.dataset, seed: seed.seed, channel: deployment.channel ?? 's3',
    ...(seed.sync_mode === 'async' ? { sync: 'async' } : {}),
  }, { framework, what: 'seed worker event' });
  return {
    runId: seed.run_id, rank: seed.rank, numWorkers: seed.num_workers, invocation: 1, config: config as DataParallelWorkerEvent['config'],
    manifestKey: datasetManifestKey(config.dataset, config.workers, config.seed),
  };
}

/** The seed fields given that have no effect here, for the worker's log. */
export function unusedSeedFields(seed: SeedWorkerEvent): string[] {
  return SEED_UNUSED_FIELDS.filter((k) => (seed as Record<string, unknown>)[k] !== undefined);
}

/**
 * Without a trigger, worker 0 records the run (where results are read from). A run id already
 * recorded with another configuration is refused: the seed event would otherwise join, or
 * overwrite, another run. Recording the same configuration again is harmless (a retried event).
 */
export async function recordSeedRun(store: ObjectStore, framework: CollectiveFramework, event: DataParallelWorkerEvent): Promise<void> {
  const key = runKeys(event.runId).config;
  const existing = await loadJson<RunRecord>(store, key);
  if (existing) {
    if (existing.framework !== framework || JSON.stringify(existing.config) !== JSON.stringify(event.config)) {
      throw new InvalidInputError(`invalid seed worker event: run_id ${event.runId} is already a run with another configuration; choose another run_id`);
    }
    return;
  }
  if (event.rank !== 0) return;
  const record: RunRecord = { runId: event.runId, framework, config: event.config, manifestKey: event.manifestKey, startedAt: new Date().toISOString() };
  await saveJson(store, key, record);
}
