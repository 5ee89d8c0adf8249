import { z } from 'zod';
import { runIdSchema } from '../run/training-config';

// What travels on MLLESS's queues, as JSON. Every message names its run, and the step it is about,
// so a consumer can drop what belongs to another (dead) run or arrives twice (SQS delivers at
// least once). Anything that does not match these schemas is rejected by the queue client.

const rank = z.number().int().min(0).max(255);
const step = z.number().int().min(1);

/** Worker → supervisor, once per step: its loss, and where its update is (null: nothing significant). */
export const stepReportSchema = z.object({
  kind: z.literal('step'),
  runId: runIdSchema,
  rank,
  step,
  loss: z.number().finite().min(0),
  samples: z.number().int().min(1),
  updateKey: z.string().min(1).max(200).nullable(),
  /** Entries the update carries and its encoded size (0 with no update). */
  updateEntries: z.number().int().min(0),
  updateBytes: z.number().int().min(0),
}).strict();

/** Worker → supervisor: the worker hit an error and the run cannot go on. */
export const workerFailedSchema = z.object({
  kind: z.literal('failed'),
  runId: runIdSchema,
  rank,
  reason: z.string().min(1).max(2000),
}).strict();

export const toSupervisorSchema = z.discriminatedUnion('kind', [stepReportSchema, workerFailedSchema]);

/**
 * Supervisor → every worker, once per step: the updates to apply (in worker order), and whether
 * this was the last step. A stop still lists the step's updates, so no worker is left waiting
 * and all end with the same model.
 */
export const decisionSchema = z.object({
  kind: z.literal('decision'),
  runId: runIdSchema,
  step,
  updateKeys: z.array(z.string().min(1).max(200)).max(256),
  stop: z.boolean(),
  reason: z.string().max(200).optional(),
}).strict();

/** Supervisor → every worker: the run has failed; stop now. */
export const abortSchema = z.object({
  kind: z.literal('abort'),
  runId: runIdSchema,
  reason: z.string().min(1).max(2000),
}).strict();

export const toWorkerSchema = z.discriminatedUnion('kind', [decisionSchema, abortSchema]);

export type StepReport = z.output<typeof stepReportSchema>;
export type ToSupervisor = z.output<typeof toSupervisorSchema>;
export type Decision = z.output<typeof decisionSchema>;
export type ToWorker = z.output<typeof toWorkerSchema>;
