import { status } from '@grpc/grpc-js';

// A refused request: the gRPC status code says what kind of problem, the message names it.

export class ParameterServerError extends Error {
  constructor(readonly code: status, message: string) {
    super(message);
    this.name = 'ParameterServerError';
  }
}

export const invalid = (message: string) => new ParameterServerError(status.INVALID_ARGUMENT, message);
export const notFound = (message: string) => new ParameterServerError(status.NOT_FOUND, message);
export const precondition = (message: string) => new ParameterServerError(status.FAILED_PRECONDITION, message);
export const deadline = (message: string) => new ParameterServerError(status.DEADLINE_EXCEEDED, message);
export const aborted = (message: string) => new ParameterServerError(status.ABORTED, message);
export const exhausted = (message: string) => new ParameterServerError(status.RESOURCE_EXHAUSTED, message);
export const unauthenticated = (message: string) => new ParameterServerError(status.UNAUTHENTICATED, message);

/** The name of a status code, for messages ("DEADLINE_EXCEEDED"). */
export function statusName(code: number): string {
  return status[code] ?? `status ${code}`;
}
