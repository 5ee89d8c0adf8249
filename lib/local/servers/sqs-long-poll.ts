// SQS long polling returns as soon as at least one message is available (possibly fewer than
// MaxNumberOfMessages). local-aws-sqs 2.0 instead keeps polling until it has MaxNumberOfMessages
// or the wait is over, so a consumer asking for up to 10 messages sits out its whole
// WaitTimeSeconds although a message arrived at once. Give its queues the AWS behaviour: while a
// long poll waits, ask for one message; once one is there, return it.

interface QueueLike {
  receive(params: { VisibilityTimeout?: unknown; WaitTimeSeconds?: unknown; MaxNumberOfMessages?: unknown }): Promise<unknown[]>;
  ReceiveMessageWaitTimeSeconds?: number;
}

const patched = new WeakSet<object>();

/** Patches the queue class of `queue` (the class is not exported; any instance leads to it). */
export function makeLongPollsReturnEarly(queue: object): void {
  const proto = Object.getPrototypeOf(queue) as QueueLike;
  if (patched.has(proto)) return;
  patched.add(proto);
  const original = proto.receive;
  proto.receive = function receiveLikeAws(this: QueueLike, params) {
    const wait = Number(params.WaitTimeSeconds ?? this.ReceiveMessageWaitTimeSeconds ?? 0);
    const max = Number(params.MaxNumberOfMessages ?? 1);
    if (wait > 0 && max > 1) return original.call(this, { ...params, MaxNumberOfMessages: 1 });
    return original.call(this, params);
  };
}
