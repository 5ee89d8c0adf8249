import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import type { z } from 'zod';
import { checkedPayload } from '../comm/payload-limits';
import type { TrafficCounter } from '../metrics/traffic';
import { nameSdkFailures, SQS_ROLE } from './sdk-failures';

// A small typed client for one SQS queue: JSON messages validated with a zod schema on the way in,
// long polling bounded by a deadline, deletion after processing. Messages that are not valid JSON
// or do not match the schema are deleted (they would only come back) and reported, never thrown
// at the consumer's loop. There is deliberately no purge: PurgeQueue races with senders and AWS
// refuses a second one within 60 s; consumers drop stale messages by what they say instead.

const MAX_WAIT_SECONDS = 20; // SQS's longest long poll
const MAX_BATCH = 10; // SQS's most messages per receive and per batch delete

let shared: SQSClient | undefined;

/** One SQS client per process, its failures named (SQS, the queue, the endpoint). The SDK reads AWS_ENDPOINT_URL_SQS itself (the local runtime sets it). */
export function getSqsClient(env: NodeJS.ProcessEnv = process.env): SQSClient {
  shared ??= nameSdkFailures(new SQSClient({ region: env.AWS_REGION ?? 'us-east-1' }), 'SQS', SQS_ROLE);
  return shared;
}

export interface ReceivedMessage<T> {
  body: T;
  /** Pass back to delete(). */
  receipt: string;
  messageId: string;
}

export interface RejectedMessage {
  queue: string;
  messageId: string;
  /** At most 200 characters of the body, for the log. */
  excerpt: string;
  reason: string;
}

export interface ReceiveOptions {
  /** Give up (returning []) at this time, in epoch milliseconds. */
  deadline: number;
  /** At most this many messages (1-10); default 10. */
  max?: number;
}

export interface SqsQueueOptions<S extends z.ZodType> {
  client: SQSClient;
  url: string;
  /** What a message must look like; anything else is rejected. */
  schema: S;
  traffic?: TrafficCounter;
  /** Told about every rejected message (after it has been deleted). */
  onRejected?: (rejected: RejectedMessage) => void;
}

export class SqsQueue<S extends z.ZodType> {
  readonly url: string;
  /** The queue's name, the last part of its URL. */
  readonly name: string;

  constructor(private readonly opts: SqsQueueOptions<S>) {
    this.url = opts.url;
    this.name = opts.url.slice(opts.url.lastIndexOf('/') + 1);
  }

  async send(message: z.input<S>): Promise<void> {
    // Validate what we send as strictly as what we accept: a bad message is our bug, caught here.
    const checked = this.opts.schema.safeParse(message);
    if (!checked.success) throw new Error(`refusing to send an invalid message to ${this.name}: ${checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const body = checkedPayload('SQS message', this.name, message);
    await this.opts.client.send(new SendMessageCommand({ QueueUrl: this.url, MessageBody: body }));
    this.opts.traffic?.wrote('sqs', Buffer.byteLength(body));
  }

  /**
   * Long-polls until at least one valid message arrives or the deadline passes (then returns []).
   * Each request waits at most 20 s (SQS's limit) and never past the deadline.
   */
  async receive(opts: ReceiveOptions): Promise<ReceivedMessage<z.output<S>>[]> {
    const max = Math.min(MAX_BATCH, Math.max(1, opts.max ?? MAX_BATCH));
    for (;;) {
      const left = opts.deadline - Date.now();
      if (left <= 0) return [];
      const waitSeconds = Math.min(MAX_WAIT_SECONDS, Math.floor(left / 1000));
      const out = await this.opts.client.send(new ReceiveMessageCommand({
        QueueUrl: this.url, MaxNumberOfMessages: max, WaitTimeSeconds: waitSeconds,
      }));
      const messages = out.Messages ?? [];
      const bytes = messages.reduce((sum, m) => sum + Buffer.byteLength(m.Body ?? ''), 0);
      this.opts.traffic?.read('sqs', bytes);
      const valid = await this.sortOut(messages);
      if (valid.length) return valid;
      // Less than a second left cannot be long-polled (whole seconds); pause instead of spinning.
      if (waitSeconds === 0) await new Promise((resolve) => setTimeout(resolve, Math.min(left, 200)));
    }
  }

  /** Deletes processed messages (in batches of 10, one request each). */
  async delete(receipts: string[]): Promise<void> {
    for (let i = 0; i < receipts.length; i += MAX_BATCH) {
      const chunk = receipts.slice(i, i + MAX_BATCH);
      const out = await this.opts.client.send(new DeleteMessageBatchCommand({
        QueueUrl: this.url,
        Entries: chunk.map((ReceiptHandle, j) => ({ Id: String(j), ReceiptHandle })),
      }));
      this.opts.traffic?.request('sqs');
      if (out.Failed?.length) {
        const first = out.Failed[0];
        throw new Error(`SQS could not delete ${out.Failed.length} message(s) from ${this.name}: ${first.Code} ${first.Message ?? ''}`.trim());
      }
    }
  }

  /** Parses each message; deletes and reports those that are not valid, returns the rest. */
  private async sortOut(messages: Message[]): Promise<ReceivedMessage<z.output<S>>[]> {
    const valid: ReceivedMessage<z.output<S>>[] = [];
    const rejected: { receipt: string; report: RejectedMessage }[] = [];
    for (const m of messages) {
      const raw = m.Body ?? '';
      const problem = (reason: string) => rejected.push({
        receipt: m.ReceiptHandle!,
        report: { queue: this.name, messageId: m.MessageId ?? '?', excerpt: raw.slice(0, 200), reason },
      });
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch (err) {
        problem(`not JSON: ${(err as Error).message}`);
        continue;
      }
      const parsed = this.opts.schema.safeParse(json);
      if (!parsed.success) {
        problem(parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(message)'}: ${i.message}`).join('; '));
        continue;
      }
      valid.push({ body: parsed.data, receipt: m.ReceiptHandle!, messageId: m.MessageId ?? '?' });
    }
    if (rejected.length) {
      await this.delete(rejected.map((r) => r.receipt));
      for (const r of rejected) this.opts.onRejected?.(r.report);
    }
    return valid;
  }
}
