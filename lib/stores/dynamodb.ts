import { randomUUID } from 'node:crypto';
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  type AttributeValue,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { TrafficCounter } from '../metrics/traffic';
import { sleep } from '../util/wait';
import {
  DYNAMO_CHANNEL_TABLE as T,
  DYNAMO_MAX_KEY_BYTES,
  DYNAMO_PART_BYTES,
  headPk,
  partitionOfPrefix,
  partPk,
  partSk,
} from './dynamodb-layout';
import type { LoadOrWaitOptions, ObjectStore } from './types';
import { pollLoad } from './wait';

// The storage layer over DynamoDB (dynalite here). Values up to DYNAMO_PART_BYTES sit inline in
// the key's item; larger ones are cut into parts written first, and the key's item ("head"),
// written last, names them by a fresh version id. A reader follows the head it read; if a writer
// replaced the value and deleted those parts meanwhile, the reader sees parts missing and reads the
// new head again. So nobody ever gets a mix of two values. Every read is strongly consistent.

type Item = Record<string, AttributeValue>;

const BATCH_WRITE_ITEMS = 25; // BatchWriteItem: at most 25 requests (and 16 MB) per call
const BATCH_GET_KEYS = 40; // BatchGetItem: at most 100 keys and 16 MB per answer: 40 parts of 350 KB
const UNPROCESSED_ATTEMPTS = 12;
const TORN_READ_ATTEMPTS = 5;

export interface DynamoStoreOptions {
  /** Items expire (DynamoDB's TTL deletes them) this long after they were written. */
  ttlSeconds?: number;
  traffic?: TrafficCounter;
}

export class DynamoStore implements ObjectStore {
  readonly kind = 'dynamodb' as const;
  private readonly traffic: TrafficCounter;
  private readonly ttlSeconds: number;

  constructor(private readonly client: DynamoDBClient, private readonly table: string, opts: DynamoStoreOptions = {}) {
    this.traffic = opts.traffic ?? new TrafficCounter();
    this.ttlSeconds = opts.ttlSeconds ?? 7 * 24 * 3600;
  }

  async save(key: string, bytes: Uint8Array): Promise<void> {
    checkKey(key);
    const expiresAt = { N: String(Math.floor(Date.now() / 1000) + this.ttlSeconds) };
    const head: Item = { [T.partitionKey]: { S: headPk(key) }, [T.sortKey]: { S: key }, size: { N: String(bytes.byteLength) }, [T.ttlAttribute]: expiresAt };
    if (bytes.byteLength <= DYNAMO_PART_BYTES) {
      head.v = { B: bytes };
    } else {
      const version = randomUUID();
      const parts: Item[] = [];
      for (let i = 0, offset = 0; offset < bytes.byteLength; i++, offset += DYNAMO_PART_BYTES) {
        const slice = bytes.subarray(offset, offset + DYNAMO_PART_BYTES);
        parts.push({ [T.partitionKey]: { S: partPk(version) }, [T.sortKey]: { S: partSk(i) }, v: { B: slice }, [T.ttlAttribute]: expiresAt });
      }
      await this.writeBatches(parts.map((Item) => ({ PutRequest: { Item } })), key);
      head.parts = { N: String(parts.length) };
      head.version = { S: version };
    }
    const out = await this.call('PutItem', key, () => this.client.send(new PutItemCommand({ TableName: this.table, Item: head, ReturnValues: 'ALL_OLD' })));
    this.traffic.wrote('dynamodb', head.v ? bytes.byteLength : 0);
    // The value this one replaced may have had parts: nobody can reach them any more.
    const old = out.Attributes;
    if (old?.version?.S && old.parts?.N) await this.deleteParts([{ version: old.version.S, parts: Number(old.parts.N) }], key);
  }

  async load(key: string): Promise<Buffer | undefined> {
    checkKey(key);
    for (let attempt = 1; ; attempt++) {
      const out = await this.call('GetItem', key, () => this.client.send(new GetItemCommand({
        TableName: this.table, Key: headKey(key), ConsistentRead: true,
      })));
      const head = out.Item;
      if (!head) {
        this.traffic.request('dynamodb');
        return undefined;
      }
      if (head.v?.B) {
        this.traffic.read('dynamodb', head.v.B.byteLength);
        return toBuffer(head.v.B);
      }
      this.traffic.request('dynamodb');
      const value = await this.readParts(key, head);
      if (value) return value;
      // The parts went away under us: the key holds a newer value now. Read its head again.
      if (attempt >= TORN_READ_ATTEMPTS) throw new Error(`DynamoDB value ${key} in ${this.table} kept changing while it was read (${attempt} attempts)`);
    }
  }

  loadOrWait(key: string, opts: LoadOrWaitOptions): Promise<Buffer> {
    return pollLoad(key, (k) => this.load(k), opts);
  }

  async delete(keys: string[]): Promise<void> {
    const unique = [...new Set(keys)];
    unique.forEach(checkKey);
    for (let i = 0; i < unique.length; i += BATCH_GET_KEYS) {
      const batch = unique.slice(i, i + BATCH_GET_KEYS);
      // Which of them have parts: their version ids are in the heads only.
      const heads = await this.getBatch(batch.map(headKey), batch[0], [T.sortKey, 'version', 'parts']);
      const withParts = heads.filter((h) => h.version?.S && h.parts?.N).map((h) => ({ version: h.version!.S!, parts: Number(h.parts!.N) }));
      await this.writeBatches(batch.map((key) => ({ DeleteRequest: { Key: headKey(key) } })), batch[0]);
      await this.deleteParts(withParts, batch[0]);
    }
  }

  async list(prefix: string): Promise<string[]> {
    const partition = partitionOfPrefix(prefix);
    const keys: string[] = [];
    let start: Item | undefined;
    do {
      // Keys under a run's prefix share one partition: a Query. A shorter prefix needs a Scan.
      const page = partition !== undefined
        ? await this.call('Query', prefix, () => this.client.send(new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
          ExpressionAttributeNames: { '#pk': T.partitionKey, '#sk': T.sortKey },
          ExpressionAttributeValues: { ':pk': { S: headPk(partition) }, ':prefix': { S: prefix } },
          ProjectionExpression: '#sk',
          ConsistentRead: true,
          ExclusiveStartKey: start,
        })))
        : await this.call('Scan', prefix, () => this.client.send(new ScanCommand({
          TableName: this.table,
          FilterExpression: 'begins_with(#pk, :heads) AND begins_with(#sk, :prefix)',
          ExpressionAttributeNames: { '#pk': T.partitionKey, '#sk': T.sortKey },
          ExpressionAttributeValues: { ':heads': { S: 'k:' }, ':prefix': { S: prefix } },
          ProjectionExpression: '#sk',
          ConsistentRead: true,
          ExclusiveStartKey: start,
        })));
      this.traffic.request('dynamodb');
      for (const item of page.Items ?? []) keys.push(item[T.sortKey].S!);
      start = page.LastEvaluatedKey;
    } while (start);
    return keys.sort();
  }

  async clear(prefix: string): Promise<number> {
    const keys = await this.list(prefix);
    await this.delete(keys);
    return keys.length;
  }

  /** The parts of a head, joined; undefined when one of them is gone (the value was replaced). */
  private async readParts(key: string, head: Item): Promise<Buffer | undefined> {
    const version = head.version?.S;
    const count = Number(head.parts?.N);
    const size = Number(head.size?.N);
    if (!version || !Number.isInteger(count) || count < 1) throw new Error(`DynamoDB item ${key} in ${this.table} has neither a value nor parts`);
    const partKeys = Array.from({ length: count }, (_, i) => ({ [T.partitionKey]: { S: partPk(version) }, [T.sortKey]: { S: partSk(i) } }));
    const slices = new Map<string, Uint8Array>();
    for (let i = 0; i < partKeys.length; i += BATCH_GET_KEYS) {
      for (const item of await this.getBatch(partKeys.slice(i, i + BATCH_GET_KEYS), key)) slices.set(item[T.sortKey].S!, item.v.B!);
    }
    if (slices.size < count) return undefined;
    const value = Buffer.concat(partKeys.map((k) => slices.get(k[T.sortKey].S!)!));
    if (value.byteLength !== size) throw new Error(`DynamoDB value ${key} in ${this.table} has ${value.byteLength} bytes in its parts, its head says ${size}`);
    return value;
  }

  private deleteParts(values: { version: string; parts: number }[], key: string): Promise<void> {
    const requests: WriteRequest[] = values.flatMap(({ version, parts }) => Array.from({ length: parts }, (_, i) => ({
      DeleteRequest: { Key: { [T.partitionKey]: { S: partPk(version) }, [T.sortKey]: { S: partSk(i) } } },
    })));
    return this.writeBatches(requests, key);
  }

  /** BatchGetItem (strongly consistent), retrying what DynamoDB leaves unprocessed. */
  private async getBatch(keys: Item[], what: string, attributes?: string[]): Promise<Item[]> {
    const projection = attributes && {
      ProjectionExpression: attributes.map((_, i) => `#a${i}`).join(', '),
      ExpressionAttributeNames: Object.fromEntries(attributes.map((name, i) => [`#a${i}`, name])),
    };
    const items: Item[] = [];
    let pending: Item[] = keys;
    let ask = keys.length;
    for (let attempt = 1; pending.length;) {
      const asked = pending.slice(0, ask);
      const out = await this.call('BatchGetItem', what, () => this.client.send(new BatchGetItemCommand({
        RequestItems: { [this.table]: { Keys: asked, ConsistentRead: true, ...projection } },
      })));
      const got = out.Responses?.[this.table] ?? [];
      this.traffic.read('dynamodb', got.reduce((sum, item) => sum + (item.v?.B?.byteLength ?? 0), 0));
      items.push(...got);
      const unprocessed = out.UnprocessedKeys?.[this.table]?.Keys ?? [];
      pending = [...unprocessed, ...pending.slice(ask)];
      if (unprocessed.length === 0) continue;
      // An answer is cut at 16 MB (dynalite: about 1.4 MB, four parts, after reading every key
      // asked for): ask next for as many as fitted, at once. Only an empty answer is throttling.
      if (got.length > 0) ask = got.length;
      else await this.backOff('BatchGetItem', what, attempt++);
    }
    return items;
  }

  /** BatchWriteItem in groups of 25, retrying what DynamoDB leaves unprocessed. */
  private async writeBatches(requests: WriteRequest[], what: string): Promise<void> {
    for (let i = 0; i < requests.length; i += BATCH_WRITE_ITEMS) {
      let pending = requests.slice(i, i + BATCH_WRITE_ITEMS);
      for (let attempt = 1; pending.length; attempt++) {
        const batch = pending;
        const out = await this.call('BatchWriteItem', what, () => this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.table]: batch } })));
        this.traffic.wrote('dynamodb', batch.reduce((sum, r) => sum + (r.PutRequest?.Item?.v?.B?.byteLength ?? 0), 0));
        pending = out.UnprocessedItems?.[this.table] ?? [];
        if (pending.length) await this.backOff('BatchWriteItem', what, attempt);
      }
    }
  }

  private async backOff(operation: string, what: string, attempt: number): Promise<void> {
    if (attempt >= UNPROCESSED_ATTEMPTS) {
      throw new Error(`DynamoDB ${operation} for ${what} on ${this.table} left items unprocessed ${attempt} times (throttled?)`);
    }
    await sleep(Math.min(1000, 10 * 2 ** attempt) * (0.5 + Math.random() / 2));
  }

  private async call<T>(operation: string, what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      const e = err as Error;
      const hint = e.name === 'ResourceNotFoundException'
        ? ` (table ${this.table} does not exist: deploy with --param channel=dynamodb, or run locally where the runtime creates it)`
        : '';
      throw new Error(`DynamoDB ${operation} ${what} on ${this.table} failed: ${e.message}${hint}`);
    }
  }
}

function headKey(key: string): Item {
  return { [T.partitionKey]: { S: headPk(key) }, [T.sortKey]: { S: key } };
}

function checkKey(key: string): void {
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes === 0 || bytes > DYNAMO_MAX_KEY_BYTES) {
    throw new Error(`key "${key.slice(0, 80)}${key.length > 80 ? '…' : ''}" cannot be stored in DynamoDB: it is ${bytes} bytes long, keys must be 1 to ${DYNAMO_MAX_KEY_BYTES} bytes`);
  }
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
