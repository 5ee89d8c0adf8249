import { z } from 'zod';
import { trainingConfigSchema, runIdSchema } from '../run/training-config';

// The JSON events of the collective services (allreduce, scatter-reduce). Names and numbers only:
// no data, no secrets.


export const triggerEventSchema = z.object({
  runId: runIdSchema.optional(),
  config: trainingConfigSchema.partial().default({}),
  /** Where prepare-data put the dataset; defaults to the key derived from dataset, workers and seed. */
  manifestKey: z.string().min(1).optional(),
}).strict();

export const workerEventSchema = z.object({
  runId: runIdSchema,
  rank: z.number().int().min(0),
  numWorkers: z.number().int().min(1).max(256),
  config: trainingConfigSchema.extend({ lr: z.number().positive() }),
  manifestKey: z.string().min(1),
  /** 1 for the first invocation; each self re-invocation adds one and resumes from the checkpoint. */
  invocation: z.number().int().min(1).default(1),
}).strict().refine((e) => e.rank < e.numWorkers, { message: 'rank must be smaller than numWorkers', path: ['rank'] })
  .refine((e) => e.numWorkers === e.config.workers, { message: 'numWorkers must equal config.workers', path: ['numWorkers'] });

export type TriggerEvent = z.input<typeof triggerEventSchema>;
export type WorkerEvent = z.output<typeof workerEventSchema>;
