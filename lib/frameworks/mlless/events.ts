import { z } from 'zod';
import { invocationSchema, resolvedConfigSchema, runEventFields, workerEventSchema as workerEventOf } from '../run/events';
import type { FrameworkConfig } from '../run/training-config';

// The JSON events of the mlless service (the trigger's is every framework's: run/events.ts).

/** A configuration resolved for MLLESS: its own options are all present. */
export const mllessConfigSchema = resolvedConfigSchema('variant', 'threshold', 'targetLoss', 'patience', 'maxSeconds');

export type MllessConfig = FrameworkConfig<'variant' | 'threshold' | 'targetLoss' | 'patience' | 'maxSeconds'>;

export const supervisorEventSchema = z.object({ ...runEventFields(mllessConfigSchema), invocation: invocationSchema }).strict();

export const workerEventSchema = workerEventOf(mllessConfigSchema);

export type SupervisorEvent = z.output<typeof supervisorEventSchema>;
export type WorkerEvent = z.output<typeof workerEventSchema>;
