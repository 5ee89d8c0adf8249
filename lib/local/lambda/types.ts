// What the local Lambda emulator's parts (API, sandbox pool, invocation lifecycle) and its users share.

export type InvocationType = 'Event' | 'RequestResponse';

export interface InvocationRecord {
  requestId: string;
  functionName: string;
  functionKey: string;
  type: InvocationType;
  memoryMb: number;
  startedAt: number;
  endedAt?: number;
  status: 'running' | 'succeeded' | 'failed' | 'timed-out' | 'crashed';
  error?: string;
  /** The process that ran it (tests kill it to play a dead worker). */
  pid?: number;
  /** Whether it ran in a sandbox an earlier invocation had started (a warm start). */
  warm?: boolean;
  /** Cold start only: ms from the request until the new process had loaded the handler (Lambda's Init Duration). */
  initMs?: number;
  /** rank and invocation number when the event has them, to name a failed worker. */
  rank?: number;
  invocation?: number;
  /** The worker the event is for ("peer 0", "rank 1"; see affinityOf), so a log can be read per worker. */
  worker?: string;
  /** How the process ended when it died before returning (status 'crashed'). */
  exit?: ProcessExit;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface InvokeOutcome {
  statusCode: number;
  payload?: unknown;
  functionError?: { errorType: string; errorMessage: string };
}

/** The Invoke call the local Step Functions need of the emulator (tests may hand in something smaller). */
export interface LambdaInvokeTarget {
  invoke(functionName: string, payload: unknown, type?: InvocationType): Promise<InvokeOutcome>;
}
