import { z } from 'zod';
import { trainingConfigSchema, runIdSchema } from '../run/training-config';

// The JSON SPIRT's functions receive. Names and numbers only: no data, no secrets.


export const spirtTriggerEventSchema = z.object({
  runId: runIdSchema.optional(),
  config: trainingConfigSchema.partial().default({}),
  manifestKey: z.string().min(1).optional(),
}).strict();

const resolvedConfigSchema = trainingConfigSchema.extend({
  lr: z.number().positive(),
  batches: z.number().int().min(1).max(64),
  aggregation: z.enum(['mean', 'median', 'trimmed-mean']),
  attack: z.enum(['none', 'sign-flip', 'gaussian', 'label-flip']),
  attackers: z.number().int().min(0),
  inDb: z.boolean(),
});

export type SpirtConfig = z.output<typeof resolvedConfigSchema>;

/** init_peers and init_model: one peer of a run. */
export const peerEventSchema = z.object({
  runId: runIdSchema,
  peer: z.number().int().min(0),
  config: resolvedConfigSchema,
  manifestKey: z.string().min(1),
}).strict().refine((e) => e.peer < e.config.workers, { message: 'peer must be smaller than config.workers', path: ['peer'] });

/** Every state of the round's state machine (compute_gradients also gets its batch). */
export const roundEventSchema = z.object({
  runId: runIdSchema,
  peer: z.number().int().min(0),
  round: z.number().int().min(1),
  config: resolvedConfigSchema,
  manifestKey: z.string().min(1),
  batch: z.number().int().min(0).optional(),
}).strict().refine((e) => e.peer < e.config.workers, { message: 'peer must be smaller than config.workers', path: ['peer'] })
  .refine((e) => e.batch === undefined || e.batch < e.config.batches, { message: 'batch must be smaller than config.batches', path: ['batch'] });

export type PeerEvent = z.output<typeof peerEventSchema>;
export type RoundEvent = z.output<typeof roundEventSchema>;
/** The execution input of one round: what every state reads through $$.Execution.Input. */
export type RoundInput = Omit<RoundEvent, 'batch'>;
