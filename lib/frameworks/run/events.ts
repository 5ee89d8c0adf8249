import { z } from 'zod';
import { frameworkOptionFields, type FrameworkOptionName } from './framework-options';
import { givenConfigSchema, runIdSchema, trainingConfigSchema } from './training-config';

// The JSON events every framework's functions share, declared once: each framework's events extend
// these. Names and numbers only: no data, no secrets.

/** What every trigger accepts: an optional runId, the training options and the dataset manifest. */
export const triggerEventSchema = z.object({
  runId: runIdSchema.optional(),
  config: givenConfigSchema.default({}),
  /** Where prepare-data put the dataset; defaults to the key derived from dataset, workers and seed. */
  manifestKey: z.string().min(1).optional(),
}).strict();

export type TriggerEvent = z.input<typeof triggerEventSchema>;

/**
 * A configuration as the trigger resolved it for a framework: the learning rate and the
 * framework's own options (`options`) are all present.
 */
export function resolvedConfigSchema<K extends FrameworkOptionName = never>(...options: K[]) {
  const own = Object.fromEntries(options.map((k) => [k, frameworkOptionFields[k]])) as Pick<typeof frameworkOptionFields, K>;
  return trainingConfigSchema.extend({ lr: z.number().positive(), ...own });
}

/** 1 for the first invocation; each self re-invocation adds one and resumes from the checkpoint. */
export const invocationSchema = z.number().int().min(1).default(1);

/** What every function of a started run is given: the run, its configuration and its dataset. */
export function runEventFields<C extends z.ZodTypeAny>(config: C) {
  return { runId: runIdSchema, config, manifestKey: z.string().min(1) };
}

/** One invocation of worker `rank` of `numWorkers` (the data-parallel frameworks). */
export function workerEventSchema<C extends z.ZodType<{ workers: number }>>(config: C) {
  return z.object({
    ...runEventFields(config),
    rank: z.number().int().min(0),
    numWorkers: z.number().int().min(1).max(256),
    invocation: invocationSchema,
  }).strict().refine((e) => e.rank < e.numWorkers, { message: 'rank must be smaller than numWorkers', path: ['rank'] })
    .refine((e) => e.numWorkers === (e as unknown as { config: { workers: number } }).config.workers, { message: 'numWorkers must equal config.workers', path: ['numWorkers'] });
}

/** The worker event of the frameworks without options of their own (the collectives, ps). */
export const dataParallelWorkerEventSchema = workerEventSchema(resolvedConfigSchema());
export type DataParallelWorkerEvent = z.output<typeof dataParallelWorkerEventSchema>;
