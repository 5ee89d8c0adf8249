// Messages between the local Lambda emulator and the child process (a warm "sandbox") that loads
// one function's handler (argv: handler file, export name) and runs its invocations, one at a time.

/** The child's first message: its handler module is loaded (Lambda's init phase), or failed to load. */
export type InitReply =
  | { type: 'ready'; ok: true }
  | { type: 'ready'; ok: false; errorType: string; errorMessage: string };

export interface InvokeRequest {
  type: 'invoke';
  event: unknown;
  functionName: string;
  invokedFunctionArn: string;
  requestId: string;
  memoryMb: number;
  /** Epoch milliseconds at which the emulator kills the invocation (Lambda's timeout). */
  deadline: number;
}

export type InvokeReply =
  | { type: 'result'; requestId: string; ok: true; value: unknown }
  | { type: 'result'; requestId: string; ok: false; errorType: string; errorMessage: string; stack?: string };

/**
 * Written by the child on stdout and stderr around each invocation, so the emulator knows which
 * invocation printed a line and when an invocation's output is complete (the pipes are separate
 * from the IPC channel, so the reply alone says nothing about the output). The record separator
 * character keeps it from colliding with anything a handler prints.
 */
export const SENTINEL = '\u001emltrain-invocation ';

export function sentinel(kind: 'start' | 'end', requestId: string): string {
  return `${SENTINEL}${kind} ${requestId}`;
}

/** Parses the part of a line from SENTINEL on; undefined if it is not a sentinel after all. */
export function parseSentinel(text: string): { kind: 'start' | 'end'; requestId: string } | undefined {
  const m = /^\u001emltrain-invocation (start|end) (\S+)$/.exec(text);
  return m ? { kind: m[1] as 'start' | 'end', requestId: m[2] } : undefined;
}
