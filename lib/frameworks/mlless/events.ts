import { z } from 'zod';
import { frameworkOptionFields } from '../run/framework-options';
import { trainingConfigSchema, type FrameworkConfig, runIdSchema } from '../run/training-config';

// The JSON events of the mlless service. Names and numbers only: no data, no secrets.


/** A configuration resolved for MLLESS: its own options are all present. */
export const mllessConfigSchema = trainingConfigSchema.extend({
  lr: z.number().positive(),
  variant: frameworkOptionFields.variant,
  threshold: frameworkOptionFields.threshold,
  targetLoss: frameworkOptionFields.targetLoss,
  patience: frameworkOptionFields.patience,
  maxSeconds: frameworkOptionFields.maxSeconds,
});

export type MllessConfig = FrameworkConfig<'variant' | 'threshold' | 'targetLoss' | 'patience' | 'maxSeconds'>;

export const triggerEventSchema = z.object({
  runId: runIdSchema.optional(),
  config: trainingConfigSchema.partial().default({}),
  /** Where prepare-data put the dataset; defaults to the key derived from dataset, workers and seed. */
  manifestKey: z.string().min(1).optional(),
}).strict();

/** 1 for the first invocation; each self re-invocation adds one and resumes from the checkpoint. */
const invocationSchema = z.number().int().min(1).default(1);

export const supervisorEventSchema = z.object({
  runId: runIdSchema,
  config: mllessConfigSchema,
  manifestKey: z.string().min(1),
  invocation: invocationSchema,
}).strict();

export const workerEventSchema = z.object({
  runId: runIdSchema,
  rank: z.number().int().min(0),
  numWorkers: z.number().int().min(1).max(256),
  config: mllessConfigSchema,
  manifestKey: z.string().min(1),
  invocation: invocationSchema,
}).strict().refine((e) => e.rank < e.numWorkers, { message: 'rank must be smaller than numWorkers', path: ['rank'] })
  .refine((e) => e.numWorkers === e.config.workers, { message: 'numWorkers must equal config.workers', path: ['numWorkers'] });

export type TriggerEvent = z.input<typeof triggerEventSchema>;
export type SupervisorEvent = z.output<typeof supervisorEventSchema>;
export type WorkerEvent = z.output<typeof workerEventSchema>;
