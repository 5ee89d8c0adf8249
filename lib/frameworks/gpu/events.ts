import { z } from 'zod';
import { trainingConfigSchema, runIdSchema } from '../run/training-config';

// The JSON the gpu service's trigger accepts and the run record it leaves in the bucket. Names and
// numbers only: the trainer (on the instance or in a local process) reads its configuration from
// this record, never from user data or command-line secrets.


export const gpuTriggerEventSchema = z.object({
  runId: runIdSchema.optional(),
  config: trainingConfigSchema.partial().default({}),
  /** Where prepare-data put the dataset; defaults to the key derived from dataset, workers and seed. */
  manifestKey: z.string().min(1).optional(),
}).strict();

/** runs/<runId>/config.json, written by the trigger, read by the trainer. */
export const gpuRunRecordSchema = z.object({
  runId: runIdSchema,
  framework: z.literal('gpu'),
  config: trainingConfigSchema.extend({ lr: z.number().positive() }),
  manifestKey: z.string().min(1),
  startedAt: z.string(),
});

export type GpuTriggerEvent = z.input<typeof gpuTriggerEventSchema>;
export type GpuRunRecord = z.output<typeof gpuRunRecordSchema>;
