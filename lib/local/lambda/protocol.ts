// Messages between the local Lambda emulator and the child process that runs one invocation.

export interface InvokeRequest {
  type: 'invoke';
  handlerFile: string;
  exportName: string;
  event: unknown;
  functionName: string;
  requestId: string;
  memoryMb: number;
  /** Epoch milliseconds at which the emulator kills the invocation (Lambda's timeout). */
  deadline: number;
}

export type InvokeReply =
  | { type: 'result'; ok: true; value: unknown }
  | { type: 'result'; ok: false; errorType: string; errorMessage: string; stack?: string };
