import { z } from 'zod';
import { resolvedConfigSchema } from '../run/events';
import { runIdSchema } from '../run/training-config';

// The run record the gpu service's trigger leaves in the bucket (its event is every framework's
// trigger event: run/events.ts). Names and numbers only: the trainer (on the instance or in a local
// process) reads its configuration from this record, never from user data or command-line secrets.

/** runs/<runId>/config.json, written by the trigger, read by the trainer. */
export const gpuRunRecordSchema = z.object({
  runId: runIdSchema,
  framework: z.literal('gpu'),
  config: resolvedConfigSchema(),
  manifestKey: z.string().min(1),
  startedAt: z.string(),
});

export type GpuRunRecord = z.output<typeof gpuRunRecordSchema>;
