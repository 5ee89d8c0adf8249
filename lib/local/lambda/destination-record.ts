import type { InvocationRecord, InvokeOutcome } from './types';

// What Lambda sends an asynchronous invocation's on-failure destination, built the same way here:
// the failed event (requestPayload) and its error (responsePayload). The local runtime does not
// retry asynchronous invocations, so every failure is delivered after its one attempt.

export interface LocalDestinationRecord {
  version: '1.0';
  timestamp: string;
  requestContext: { requestId: string; functionArn: string; condition: 'RetriesExhausted'; approximateInvokeCount: number };
  requestPayload: unknown;
  responseContext: { statusCode: number; executedVersion: '$LATEST'; functionError: 'Unhandled' };
  responsePayload: unknown;
}

export function failureDestinationRecord(record: InvocationRecord, functionArn: string, event: unknown, outcome: InvokeOutcome): LocalDestinationRecord {
  return {
    version: '1.0',
    timestamp: new Date(record.endedAt ?? Date.now()).toISOString(),
    requestContext: { requestId: record.requestId, functionArn: `${functionArn}:$LATEST`, condition: 'RetriesExhausted', approximateInvokeCount: 1 },
    requestPayload: event,
    responseContext: { statusCode: outcome.statusCode, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: outcome.functionError ?? outcome.payload ?? null,
  };
}
