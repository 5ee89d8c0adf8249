import { checkedPayload, PAYLOAD_LIMIT_BYTES, PayloadTooLargeError } from '../../lib/comm/payload-limits';

// Events and messages never carry tensors: a tensor or an oversized body is refused before sending.

test('passes an event of keys and small facts through as its JSON text', () => {
  const event = { runId: 'r1', rank: 2, keys: ['runs/r1/sync/e1/b0/merged.f32'] };
  expect(checkedPayload('SQS message', 'queue-a', event)).toBe(JSON.stringify(event));
});

test('refuses a tensor anywhere in the payload, naming where, however small', () => {
  const call = () => checkedPayload('Lambda async invocation', 'svc-dev-worker', { runId: 'r1', state: { params: new Float32Array(3) } });
  expect(call).toThrow(PayloadTooLargeError);
  expect(call).toThrow('Lambda async invocation to svc-dev-worker refused: binary data (a tensor?) at state.params; save it to the run\'s channel and send its key');
  expect(() => checkedPayload('SQS message', 'q', Buffer.alloc(1))).toThrow('SQS message to q refused: binary data (a tensor?) at its top');
});

test('refuses a body over 256 KiB, naming its size and the limit; one at the limit passes', () => {
  const exactly = 'x'.repeat(PAYLOAD_LIMIT_BYTES - 2); // the quotes make it 262,144 bytes
  expect(checkedPayload('Step Functions state', 'round', exactly)).toHaveLength(PAYLOAD_LIMIT_BYTES);
  const weights = Array.from(new Float32Array(60_000).fill(0.123456789)); // a tensor as numbers
  expect(() => checkedPayload('SQS message', 'supervisor', { weights })).toThrow(
    /^SQS message to supervisor refused: \d{6,} bytes is over the 262144-byte \(256 KiB\) limit; save large data to the run's channel and send its key$/,
  );
});
