import {
  CreateQueueCommand, DeleteMessageBatchCommand, DeleteQueueCommand, GetQueueUrlCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient,
} from '@aws-sdk/client-sqs';
import { checkedPayload } from '../../comm/payload-limits';
import type { TrafficCounter } from '../../metrics/traffic';
import { queueName, type QueueKind } from './keys';

// The run's SQS queues: each peer has a waiting queue (announcements), a password queue
// (credentials encrypted for it) and a sync queue (round barrier). They are created by the
// trigger for the run and deleted when it ends, so their number follows --workers.

export interface QueueMessage {
  body: string;
  receiptHandle: string;
}

export class RunQueues {
  private readonly urls = new Map<string, string>();

  constructor(
    private readonly sqs: SQSClient,
    private readonly prefix: string,
    private readonly runId: string,
    private readonly traffic?: TrafficCounter,
  ) {}

  async create(peers: number): Promise<void> {
    const names = [];
    for (let p = 0; p < peers; p++) for (const kind of ['waiting', 'password', 'sync'] as const) names.push(queueName(this.prefix, this.runId, p, kind));
    await Promise.all(names.map(async (QueueName) => {
      const out = await this.sqs.send(new CreateQueueCommand({ QueueName, Attributes: { MessageRetentionPeriod: '86400', ReceiveMessageWaitTimeSeconds: '0' } }));
      this.traffic?.request('sqs');
      this.urls.set(QueueName, out.QueueUrl!);
    }));
  }

  async remove(peers: number): Promise<void> {
    for (let p = 0; p < peers; p++) {
      for (const kind of ['waiting', 'password', 'sync'] as const) {
        const url = await this.url(p, kind).catch(() => undefined);
        if (url) await this.sqs.send(new DeleteQueueCommand({ QueueUrl: url })).catch(() => undefined);
      }
    }
  }

  async send(peer: number, kind: QueueKind, message: unknown): Promise<void> {
    const body = checkedPayload('SQS message', `peer ${peer}'s ${kind} queue`, message);
    await this.sqs.send(new SendMessageCommand({ QueueUrl: await this.url(peer, kind), MessageBody: body }));
    this.traffic?.wrote('sqs', Buffer.byteLength(body));
  }

  /** Up to 10 messages, waiting at most waitSeconds (long polling) for the first. */
  async receive(peer: number, kind: QueueKind, waitSeconds: number): Promise<QueueMessage[]> {
    const out = await this.sqs.send(new ReceiveMessageCommand({
      QueueUrl: await this.url(peer, kind), MaxNumberOfMessages: 10, WaitTimeSeconds: Math.max(0, Math.min(20, Math.round(waitSeconds))), VisibilityTimeout: 30,
    }));
    const messages = (out.Messages ?? []).map((m) => ({ body: m.Body ?? '', receiptHandle: m.ReceiptHandle! }));
    this.traffic?.read('sqs', messages.reduce((n, m) => n + Buffer.byteLength(m.body), 0));
    return messages;
  }

  async delete(peer: number, kind: QueueKind, messages: QueueMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.sqs.send(new DeleteMessageBatchCommand({
      QueueUrl: await this.url(peer, kind), Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.receiptHandle })),
    }));
    this.traffic?.request('sqs');
  }

  private async url(peer: number, kind: QueueKind): Promise<string> {
    const name = queueName(this.prefix, this.runId, peer, kind);
    const known = this.urls.get(name);
    if (known) return known;
    const out = await this.sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    this.traffic?.request('sqs');
    this.urls.set(name, out.QueueUrl!);
    return out.QueueUrl!;
  }
}
