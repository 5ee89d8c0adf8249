import { z } from 'zod';
import { resolvedConfigSchema, runEventFields } from '../run/events';

// The JSON SPIRT's functions receive (the trigger's is every framework's: run/events.ts). Names and
// numbers only: no data, no secrets.

const spirtConfigSchema = resolvedConfigSchema('batches', 'aggregation', 'attack', 'attackers', 'inDb', 'targetLoss', 'targetAccuracy', 'patience');

export type SpirtConfig = z.output<typeof spirtConfigSchema>;

const peerFields = { ...runEventFields(spirtConfigSchema), peer: z.number().int().min(0) };
const peerInRun = (e: { peer: number; config: { workers: number } }) => e.peer < e.config.workers;
const PEER_IN_RUN = { message: 'peer must be smaller than config.workers', path: ['peer'] };

/** init_peers and init_model: one peer of a run. */
export const peerEventSchema = z.object(peerFields).strict().refine(peerInRun, PEER_IN_RUN);

/** Every state of the round's state machine (compute_gradients also gets its batch). */
export const roundEventSchema = z.object({
  ...peerFields,
  round: z.number().int().min(1),
  batch: z.number().int().min(0).optional(),
}).strict().refine(peerInRun, PEER_IN_RUN)
  .refine((e) => e.batch === undefined || e.batch < e.config.batches, { message: 'batch must be smaller than config.batches', path: ['batch'] });

/** A warm-up of one of the round's functions for one peer (lib/functions/warm-up.ts). */
export const warmUpEventSchema = z.object({ ...peerFields, warmUp: z.literal(true) }).strict().refine(peerInRun, PEER_IN_RUN);

export type PeerEvent = z.output<typeof peerEventSchema>;
export type WarmUpEvent = z.output<typeof warmUpEventSchema>;
export type RoundEvent = z.output<typeof roundEventSchema>;
/** The execution input of one round: what every state reads through $$.Execution.Input. */
export type RoundInput = Omit<RoundEvent, 'batch'>;
