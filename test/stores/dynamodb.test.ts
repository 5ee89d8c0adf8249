import { ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startDynamo, type RunningServer } from '../../lib/local/servers';
import { createLocalDynamoClient } from '../../lib/stores/dynamodb-client';
import { DYNAMO_PART_BYTES, partitionOf, partitionOfPrefix } from '../../lib/stores/dynamodb-layout';
import { DynamoStore } from '../../lib/stores/dynamodb';
import { createChannelTable } from '../../lib/stores/dynamodb-table';
import { payload } from './helpers';

// What only the DynamoDB store has to get right: values over the 400 KB item limit cut into parts
// and joined again, never torn; paginated Queries; Scans for short prefixes; clear limits.

let server: RunningServer;
let admin: DynamoDBClient;
const clients: DynamoDBClient[] = [];
const open = (table = 'dyn-test') => {
  const client = createLocalDynamoClient(server.endpoint);
  clients.push(client);
  return new DynamoStore(client, table, { ttlSeconds: 3600 });
};
beforeAll(async () => {
  server = await startDynamo();
  admin = createLocalDynamoClient(server.endpoint);
  await createChannelTable(admin, 'dyn-test');
  await createChannelTable(admin, 'dyn-test'); // creating it again is fine
});
afterAll(async () => {
  for (const c of [admin, ...clients]) c.destroy();
  await server?.stop();
});

const items = async () => (await admin.send(new ScanCommand({ TableName: 'dyn-test', ConsistentRead: true }))).Items ?? [];

test('partitions are a key\'s first two directories; a shorter prefix has none', () => {
  expect(partitionOf('runs/r1/sync/e1/b0/grad-0.f32')).toBe('runs/r1/');
  expect(partitionOf('runs/r1')).toBe('runs/');
  expect(partitionOf('top')).toBe('');
  expect(partitionOfPrefix('runs/r1/sync/')).toBe('runs/r1/');
  expect(partitionOfPrefix('runs/r1/s')).toBe('runs/r1/');
  expect(partitionOfPrefix('runs/r')).toBeUndefined();
});

test('a value over the item limit is stored as parts, and parts of a replaced value are deleted', async () => {
  const store = open();
  await store.save('runs/p1/big', payload(DYNAMO_PART_BYTES * 2 + 10, 1));
  let all = await items();
  expect(all.filter((i) => i.pk.S!.startsWith('p:'))).toHaveLength(3);
  expect(all.filter((i) => i.sk.S === 'runs/p1/big')[0].parts.N).toBe('3');
  await store.save('runs/p1/big', payload(100, 2)); // inline now
  all = await items();
  expect(all.filter((i) => i.pk.S!.startsWith('p:'))).toHaveLength(0);
  await store.save('runs/p1/big', payload(DYNAMO_PART_BYTES + 1, 3));
  await store.delete(['runs/p1/big']);
  expect(await items()).toEqual([]);
});

test('readers never see a mix of two values while a writer keeps replacing a large one', async () => {
  const writer = open();
  const a = payload(DYNAMO_PART_BYTES * 3, 4);
  const b = payload(DYNAMO_PART_BYTES * 3, 5);
  await writer.save('runs/p2/model', a);
  let writing = true;
  const writes = (async () => { for (let i = 0; writing; i++) await writer.save('runs/p2/model', i % 2 ? a : b); })();
  const readers = [open(), open()];
  const seen = { a: 0, b: 0 };
  const deadline = Date.now() + 3000;
  await Promise.all(readers.map(async (reader) => {
    while (Date.now() < deadline) {
      const value = await reader.load('runs/p2/model');
      if (value!.equals(a)) seen.a++;
      else if (value!.equals(b)) seen.b++;
      else throw new Error(`read a value that is neither A nor B (${value!.length} bytes)`);
    }
  }));
  writing = false;
  await writes;
  expect(seen.a).toBeGreaterThan(0); // both values were read: the reads overlapped the writes
  expect(seen.b).toBeGreaterThan(0);
  await writer.clear('runs/p2/');
}, 30_000);

test('a Query of more than one page (over 1 MB of items) lists every key', async () => {
  const store = open();
  const keys = Array.from({ length: 700 }, (_, i) => `runs/p3/k${String(i).padStart(3, '0')}`);
  for (let i = 0; i < keys.length; i += 100) await Promise.all(keys.slice(i, i + 100).map((k) => store.save(k, payload(2048, i))));
  expect(await store.list('runs/p3/')).toEqual(keys);
  expect(await store.clear('runs/p3/')).toBe(700);
}, 30_000);

test('a prefix shorter than a partition is listed by a paginated Scan across partitions', async () => {
  const store = open();
  await Promise.all(['runs/q1/a', 'runs/q2/b/c', 'runs/q', 'other/x/y'].map((k) => store.save(k, payload(10))));
  expect(await store.list('runs/q')).toEqual(['runs/q', 'runs/q1/a', 'runs/q2/b/c']);
  expect(await store.list('')).toEqual(['other/x/y', 'runs/q', 'runs/q1/a', 'runs/q2/b/c']);
  await store.clear('');
});

test('a key longer than DynamoDB allows, and a missing table, give errors that say so', async () => {
  await expect(open().save(`runs/${'k'.repeat(1100)}`, payload(1))).rejects.toThrow(/cannot be stored in DynamoDB: it is 1105 bytes long, keys must be 1 to 1024 bytes/);
  await expect(open('no-such-table').load('runs/x/y')).rejects.toThrow(/table no-such-table does not exist: deploy with --param channel=dynamodb/);
});
