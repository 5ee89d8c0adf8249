// Events and messages carry keys and small facts, never tensors: a tensor travels through a
// channel (S3, Redis, Memcached, DynamoDB) or the parameter server, and the event names its key.
// Each carrier has a hard size limit; this check fails fast, before sending, naming the limit.
//
// AWS raised asynchronous Lambda payloads and SQS messages to 1 MB in 2025, but 256 KiB is still
// SQS's MaximumMessageSize on queues created with the old default and Step Functions' limit on a
// state's input and output, through which the same events pass: one bound holds for all three.

export const PAYLOAD_LIMIT_BYTES = 256 * 1024;

export type PayloadCarrier = 'Lambda async invocation' | 'Lambda invocation' | 'SQS message' | 'Step Functions state';

export class PayloadTooLargeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadTooLargeError';
  }
}

/** The JSON text of `payload`, after refusing a tensor inside it or a text above the limit. */
export function checkedPayload(carrier: PayloadCarrier, target: string, payload: unknown): string {
  const tensorAt = findBinary(payload, '');
  if (tensorAt !== undefined) {
    throw new PayloadTooLargeError(`${carrier} to ${target} refused: binary data (a tensor?) at ${tensorAt || 'its top'}; save it to the run's channel and send its key`);
  }
  const body = JSON.stringify(payload) ?? '';
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes > PAYLOAD_LIMIT_BYTES) {
    throw new PayloadTooLargeError(`${carrier} to ${target} refused: ${bytes} bytes is over the ${PAYLOAD_LIMIT_BYTES}-byte (256 KiB) limit; save large data to the run's channel and send its key`);
  }
  return body;
}

/** The path of the first typed array or Buffer inside `value`, if any. */
function findBinary(value: unknown, path: string, depth = 0): string | undefined {
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return path;
  if (value === null || typeof value !== 'object' || depth > 32) return undefined;
  for (const [key, child] of Object.entries(value)) {
    const found = findBinary(child, path ? `${path}.${key}` : key, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}
