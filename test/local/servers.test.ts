/**
 * The local servers, exercised through real clients over real sockets.
 * Needs Debian redis-server and memcached on PATH (apt-get install -y redis-server memcached).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import Redis from 'ioredis';
import { Client as MemjsClient } from 'memjs';
import { listTracked } from '../../lib/local/processes';
import {
  freePort,
  PortInUseError,
  startDynamo,
  startMemcached,
  startRedis,
  startS3,
  startServers,
  startSqs,
  withPortRetry,
  type ProcessServer,
  type RunningServer,
  type S3Server,
} from '../../lib/local/servers';
import { acceptsConnections, isProcessGone } from './servers/helpers';

const FOUR_MB = 4 * 1024 * 1024;
const savedEnv = { ...process.env };
let scratch: string;

beforeAll(() => {
  // Fake credentials: the emulators accept any signature but the SDK insists on having one.
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  process.env.AWS_REGION = 'us-east-1';
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'servers-test-'));
});

afterAll(() => {
  process.env = savedEnv;
  fs.rmSync(scratch, { recursive: true, force: true });
});

/** Applies a server's env to process.env, so the SDK finds the endpoint the way handlers will. */
function useServerEnv(server: RunningServer): void {
  Object.assign(process.env, server.env);
}

async function expectStoppedAndGone(server: RunningServer): Promise<void> {
  await server.stop();
  await server.stop(); // idempotent
  expect(await acceptsConnections(server.port)).toBe(false);
  if ('pid' in server) expect(isProcessGone((server as ProcessServer).pid)).toBe(true);
}

describe('S3 (s3rver)', () => {
  let server: S3Server;
  let s3: S3Client;

  beforeAll(async () => {
    server = await startS3({ directory: path.join(scratch, 's3'), buckets: ['models'] });
    useServerEnv(server);
    s3 = new S3Client({ forcePathStyle: true });
  });
  afterAll(async () => {
    s3.destroy();
    await server.stop();
  });

  it('points clients at itself through AWS_ENDPOINT_URL_S3 and the checksum variables', () => {
    expect(server.endpoint).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.env).toEqual({
      AWS_ENDPOINT_URL_S3: server.endpoint,
      AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
      AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
    });
  });

  it('stores and returns a 4 MB Buffer bit-exact', async () => {
    const body = crypto.randomBytes(FOUR_MB);
    await s3.send(new PutObjectCommand({ Bucket: 'models', Key: 'run-1/weights.bin', Body: body }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'models', Key: 'run-1/weights.bin' }));
    const bytes = Buffer.from(await got.Body!.transformToByteArray());
    expect(bytes.length).toBe(FOUR_MB);
    expect(bytes.equals(body)).toBe(true);
  });

  it('stores a streamed upload without aws-chunked framing (checksum env honoured)', async () => {
    const body = crypto.randomBytes(256 * 1024);
    await s3.send(new PutObjectCommand({ Bucket: 'models', Key: 'streamed', Body: Readable.from([body]), ContentLength: body.length }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'models', Key: 'streamed' }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
  });

  it('creates buckets through the helper and through the API', async () => {
    await server.createBucket('datasets');
    await s3.send(new CreateBucketCommand({ Bucket: 'results' }));
    for (const bucket of ['datasets', 'results']) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: Buffer.from('v') }));
    }
    await expect(server.createBucket('Bad_Name')).rejects.toThrow(/invalid S3 bucket name 'Bad_Name'/);
  });

  it('refuses connections after stop', async () => {
    const other = await startS3({ directory: path.join(scratch, 's3-other') });
    expect(await acceptsConnections(other.port)).toBe(true);
    await expectStoppedAndGone(other);
  });
});

describe('SQS (local-aws-sqs)', () => {
  let server: RunningServer;
  let sqs: SQSClient;

  beforeAll(async () => {
    server = await startSqs();
    useServerEnv(server);
    sqs = new SQSClient({});
  });
  afterAll(async () => {
    sqs.destroy();
    await server.stop();
  });

  it('creates a queue, sends, receives and deletes a message', async () => {
    expect(server.env).toEqual({ AWS_ENDPOINT_URL_SQS: `http://127.0.0.1:${server.port}` });
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'run-1-gradients' }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: JSON.stringify({ runId: 'run-1', step: 3 }) }));

    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1, MaxNumberOfMessages: 1 }));
    expect(received.Messages).toHaveLength(1);
    expect(JSON.parse(received.Messages![0].Body!)).toEqual({ runId: 'run-1', step: 3 });

    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: received.Messages![0].ReceiptHandle }));
    const empty = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 0, VisibilityTimeout: 0 }));
    expect(empty.Messages ?? []).toHaveLength(0);
  });

  it('refuses connections after stop', async () => {
    const other = await startSqs();
    await expectStoppedAndGone(other);
  });
});

/**
 * @aws-sdk/client-dynamodb is not a dependency yet, so this speaks the DynamoDB JSON protocol
 * directly. dynalite checks that a SigV4 Authorization header is present, not that it is valid.
 */
async function dynamo(endpoint: string, operation: string, body: object): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.0',
      'X-Amz-Target': `DynamoDB_20120810.${operation}`,
      'X-Amz-Date': '20260101T000000Z',
      Authorization: `AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=${'0'.repeat(64)}`,
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe('DynamoDB (dynalite)', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startDynamo();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('creates a table that is ACTIVE at once, puts and gets an item', async () => {
    expect(server.env).toEqual({ AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${server.port}` });
    const created = await dynamo(server.endpoint, 'CreateTable', {
      TableName: 'run-state',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    });
    expect(created.status).toBe(200);
    const described = await dynamo(server.endpoint, 'DescribeTable', { TableName: 'run-state' });
    expect((described.json.Table as { TableStatus: string }).TableStatus).toBe('ACTIVE');

    await dynamo(server.endpoint, 'PutItem', { TableName: 'run-state', Item: { pk: { S: 'run-1#epoch-0' }, loss: { N: '0.25' } } });
    const got = await dynamo(server.endpoint, 'GetItem', { TableName: 'run-state', Key: { pk: { S: 'run-1#epoch-0' } }, ConsistentRead: true });
    expect(got.json.Item).toEqual({ pk: { S: 'run-1#epoch-0' }, loss: { N: '0.25' } });

    const tables = await dynamo(server.endpoint, 'ListTables', {});
    expect(tables.json.TableNames).toEqual(['run-state']);
  });

  it('refuses connections after stop', async () => {
    const other = await startDynamo();
    await expectStoppedAndGone(other);
  });
});

function redisClient(server: RunningServer, password?: string): Redis {
  return new Redis({ host: server.host, port: server.port, password, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
}

describe('redis (redis-server child process)', () => {
  const password = 'p@ss "word"\twith spaces';
  let server: ProcessServer;

  beforeAll(async () => {
    server = await startRedis({ password });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('answers PING and round-trips a binary Buffer with the password', async () => {
    expect(server.env).toEqual({ REDIS_URL: `redis://127.0.0.1:${server.port}` });
    const client = redisClient(server, password);
    try {
      expect(await client.ping()).toBe('PONG');
      const tensor = Buffer.from(new Float32Array([1.5, -0, Number.NaN, 3.4e38, 1e-45]).buffer);
      const bytes = Buffer.concat([tensor, Buffer.from([0, 0xff, 0x0d, 0x0a, 0x80])]);
      await client.set('run-1:grad:0', bytes);
      const got = await client.getBuffer('run-1:grad:0');
      expect(got?.equals(bytes)).toBe(true);
      // MODULE LOAD is allowed from 127.0.0.1 (enable-module-command local).
      expect(await client.call('MODULE', 'LIST')).toEqual([]);
    } finally {
      client.disconnect();
    }
  });

  it('rejects a client without the password (NOAUTH)', async () => {
    const client = redisClient(server);
    client.on('error', () => {}); // ioredis also emits the NOAUTH of its connect-time HELLO
    try {
      await expect(client.get('run-1:grad:0')).rejects.toThrow(/NOAUTH/);
    } finally {
      client.disconnect();
    }
  });

  it('keeps the password off the command line and off the disk', async () => {
    expect(fs.readFileSync(`/proc/${server.pid}/cmdline`, 'utf8')).not.toContain('p@ss');
    const client = redisClient(server, password);
    try {
      // Without dataDir, redis works in the launcher's private folder, which also held redis.conf.
      const [, dir] = (await client.config('GET', 'dir')) as string[];
      expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
      expect(fs.readdirSync(dir)).not.toContain('redis.conf');
    } finally {
      client.disconnect();
    }
  });

  it('gives concurrently started servers different ports, and frees port and PID on stop', async () => {
    const [a, b] = await Promise.all([startRedis(), startRedis()]);
    try {
      expect(a.port).not.toBe(b.port);
      expect(a.pid).not.toBe(b.pid);
      const client = redisClient(a);
      expect(await client.ping()).toBe('PONG');
      client.disconnect();
    } finally {
      await expectStoppedAndGone(a);
      await expectStoppedAndGone(b);
    }
  });

  it('names the missing binary and how to install it', async () => {
    await expect(startRedis({ binary: '/nonexistent/redis-server' })).rejects.toThrow(
      "/nonexistent/redis-server not found or not executable: install it with 'apt-get install redis-server' or run 'mltrain doctor --fix'",
    );
    await expect(startRedis({ binary: 'no-such-redis-server' })).rejects.toThrow(/no-such-redis-server not found on PATH/);
  });

  it('reports the last output lines when redis-server exits during startup', async () => {
    const notAModule = path.join(scratch, 'not-a-module.so');
    fs.writeFileSync(notAModule, 'this is not a shared object');
    const failure = startRedis({ modules: [{ path: notAModule }] });
    await expect(failure).rejects.toThrow(/redis-server exited during startup \(exit code 1\); last output:/);
    await expect(failure).rejects.toThrow(/not-a-module\.so/);
    await expect(startRedis({ modules: [{ path: path.join(scratch, 'missing.so') }] })).rejects.toThrow(/module file not found: .*missing\.so/);
  });

  it('kills a server that does not answer before the deadline, and shows what it printed', async () => {
    const silentServer = path.join(scratch, 'silent-server.sh');
    fs.writeFileSync(silentServer, '#!/bin/sh\necho "pretending to start"\nexec sleep 30\n', { mode: 0o755 });
    const before = listTracked();
    await expect(startRedis({ binary: silentServer, startTimeoutMs: 300 })).rejects.toThrow(
      /redis-server did not answer on 127\.0\.0\.1:\d+ within 300 ms; last output:\n {2}\| pretending to start/,
    );
    expect(listTracked()).toEqual(before);
  });

  it('detects a taken port as PortInUseError', async () => {
    await expect(startRedis({ port: server.port })).rejects.toThrow(PortInUseError);
  });

  it('writes an RDB snapshot into dataDir on stop when persistence is rdb', async () => {
    const dataDir = path.join(scratch, 'redis-data');
    const persistent = await startRedis({ dataDir, persistence: 'rdb' });
    const client = redisClient(persistent);
    await client.set('run-1:model', Buffer.from([1, 2, 3]));
    client.disconnect();
    await persistent.stop();
    expect(fs.readdirSync(dataDir)).toEqual(['dump.rdb']);
  });

  it('refuses persistence without a data folder', async () => {
    await expect(startRedis({ persistence: 'rdb' })).rejects.toThrow(/persistence 'rdb' needs dataDir/);
  });
});

describe('memcached (memcached child process)', () => {
  let server: ProcessServer;

  beforeAll(async () => {
    server = await startMemcached();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('round-trips a 4 MB Buffer with memjs', async () => {
    expect(server.env).toEqual({ MEMCACHED_URL: `127.0.0.1:${server.port}` });
    const client = MemjsClient.create(server.env.MEMCACHED_URL, { retries: 0, timeout: 5, logger: { log: () => {} } });
    try {
      const value = crypto.randomBytes(FOUR_MB);
      expect(await client.set('run-1:grad:0', value, { expires: 0 })).toBe(true);
      const { value: got } = await client.get('run-1:grad:0');
      expect(got?.equals(value)).toBe(true);
    } finally {
      client.close();
    }
  });

  it('does not mistake another memcached on its port for its own', async () => {
    await expect(startMemcached({ port: server.port })).rejects.toThrow(PortInUseError);
  });

  it('frees port and PID on stop', async () => {
    const other = await startMemcached({ maxItemMb: 8, memoryMb: 64 });
    expect(await acceptsConnections(other.port)).toBe(true);
    await expectStoppedAndGone(other);
  });

  it('names the missing binary, and rejects an item size memcached would refuse', async () => {
    await expect(startMemcached({ binary: '/nonexistent/memcached' })).rejects.toThrow(/not found or not executable: install it with 'apt-get install memcached'/);
    await expect(startMemcached({ maxItemMb: 128, memoryMb: 200 })).rejects.toThrow(/memoryMb must be an integer of at least 2 × maxItemMb \(256\), got 200/);
  });
});

describe('startServers', () => {
  it('starts all five concurrently and merges their env', async () => {
    const set = await startServers(['s3', 'sqs', 'redis', 'memcached', 'dynamodb'], { s3: { directory: path.join(scratch, 'set-s3') } });
    try {
      expect(Object.keys(set.servers).sort()).toEqual(['dynamodb', 'memcached', 'redis', 's3', 'sqs']);
      expect(Object.keys(set.env).sort()).toEqual([
        'AWS_ENDPOINT_URL_DYNAMODB',
        'AWS_ENDPOINT_URL_S3',
        'AWS_ENDPOINT_URL_SQS',
        'AWS_REQUEST_CHECKSUM_CALCULATION',
        'AWS_RESPONSE_CHECKSUM_VALIDATION',
        'MEMCACHED_URL',
        'REDIS_URL',
      ]);
      const ports = Object.values(set.servers).map((server) => server.port);
      expect(new Set(ports).size).toBe(5);
    } finally {
      await set.stop();
    }
    for (const server of Object.values(set.servers)) expect(await acceptsConnections(server.port)).toBe(false);
  });

  it('stops the servers that started when another one fails, and rethrows', async () => {
    const before = listTracked();
    await expect(startServers(['sqs', 'memcached', 'redis'], { redis: { binary: '/nonexistent/redis-server' } })).rejects.toThrow(
      /\/nonexistent\/redis-server not found/,
    );
    expect(listTracked()).toEqual(before);
  });

  it('rejects bad requests before starting anything', async () => {
    const before = listTracked();
    await expect(startServers(['sqs', 's3'])).rejects.toThrow("startServers: 's3' needs opts.s3.directory");
    expect(listTracked()).toEqual(before);
    await expect(startServers(['sqs', 'sqs'])).rejects.toThrow(/each kind may appear once, got sqs/);
  });
});

describe('free ports', () => {
  it('hands out different ports to concurrent callers', async () => {
    const ports = await Promise.all(Array.from({ length: 10 }, () => freePort()));
    expect(new Set(ports).size).toBe(10);
  });

  it('retries on another port when the bind races', async () => {
    const tried: number[] = [];
    const port = await withPortRetry(async (p) => {
      tried.push(p);
      if (tried.length < 3) throw new PortInUseError(p, 'simulated race');
      return p;
    });
    expect(tried).toHaveLength(3);
    expect(port).toBe(tried[2]);
    await expect(withPortRetry(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  });
});
