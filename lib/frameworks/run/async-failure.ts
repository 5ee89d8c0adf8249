import { z } from 'zod';
import type { ObjectStore } from '../../stores/types';
import type { Logger } from '../../util/log';
import { assertRunOpened } from './run-record';
import { markRunFailed, type RunFailure } from './run-status';

// On AWS, an asynchronous invocation (a worker, the supervisor, init_peers...) that fails for good
// (an error, a crash, a timeout, after its retries) goes to the function's on-failure destination:
// the service's runFailed function, which marks the run failed at once with the failed function,
// its error type and message, so nobody waits out a deadline for a run that is lost. Locally the
// Lambda emulator delivers the same record to the same function when a function process dies.

/** What Lambda sends an on-failure destination (the fields read here; the rest is kept as is). */
export const destinationRecordSchema = z.object({
  requestContext: z.object({
    functionArn: z.string().min(1),
    condition: z.string().min(1),
    approximateInvokeCount: z.number().int().min(1),
  }).passthrough(),
  requestPayload: z.unknown(),
  responsePayload: z.unknown().optional(),
}).passthrough();

export type DestinationRecord = z.output<typeof destinationRecordSchema>;

/** The part of the failed event that names its run. */
const failedEventSchema = z.object({ runId: z.string().min(1), rank: z.number().int().optional(), peer: z.number().int().optional() }).passthrough();
const errorSchema = z.object({ errorType: z.string().optional(), errorMessage: z.string().optional() }).passthrough();

export interface AsyncFailureOutcome {
  runId?: string;
  /** The run's failure record: this one, or the first cause recorded before it. */
  failure?: RunFailure;
  /** Why nothing was written. */
  ignored?: string;
}

/** Marks the failed event's run failed (once: the first cause recorded stays). */
export async function recordAsyncFailure(record: DestinationRecord, deps: { store: ObjectStore; log: Logger }): Promise<AsyncFailureOutcome> {
  const event = failedEventSchema.safeParse(record.requestPayload);
  if (!event.success) {
    deps.log.warn('failed asynchronous invocation names no run: nothing to mark', { functionArn: record.requestContext.functionArn });
    return { ignored: 'the failed event names no runId' };
  }
  const { runId } = event.data;
  await assertRunOpened(deps.store, { runId });
  const failure = await markRunFailed(deps.store, runId, describeAsyncFailure(record, event.data), 'on-failure destination');
  deps.log.error('run marked failed: an asynchronous invocation failed', { runId, reason: failure.reason });
  return { runId, failure };
}

/** "worker rank 1 (function mltrain-allreduce-dev-worker) failed after 1 attempt (RetriesExhausted): Runtime.ExitError: ..." */
export function describeAsyncFailure(record: DestinationRecord, event: z.output<typeof failedEventSchema>): string {
  const { functionArn, condition, approximateInvokeCount: attempts } = record.requestContext;
  const functionName = functionArn.split(':')[6] ?? functionArn;
  const who = event.rank !== undefined ? ` rank ${event.rank}` : event.peer !== undefined ? ` peer ${event.peer}` : '';
  const error = errorSchema.safeParse(record.responsePayload);
  const cause = error.success && (error.data.errorType || error.data.errorMessage)
    ? `${error.data.errorType ?? 'Error'}: ${error.data.errorMessage ?? '(no message)'}`
    : 'no error returned';
  return `function ${functionName}${who} failed after ${attempts} attempt${attempts === 1 ? '' : 's'} (${condition}): ${cause}`;
}
