import { InvokeCommand, LambdaClient, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FunctionInvocationError, LambdaInvoker } from '../../lib/functions/invoker';
import { LocalLambda } from '../../lib/local/lambda/emulator';
import { loadServiceDefinition } from '../../lib/local/lambda/service-definition';

// The emulator is driven the way functions drive it: through the AWS SDK's Lambda client.

const SERVICE_DIR = path.join(__dirname, '..', 'fixtures', 'lambda-service');
let lambda: LocalLambda;
let client: LambdaClient;
let logsDir: string;

beforeAll(async () => {
  logsDir = mkdtempSync(path.join(os.tmpdir(), 'emulator-test-'));
  const service = loadServiceDefinition(SERVICE_DIR, { stage: 'local', resources: { DataBucket: 'fixture-bucket' } });
  lambda = await LocalLambda.start({ services: [service], env: {}, logsDir });
  client = new LambdaClient({ region: 'us-east-1', endpoint: lambda.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
});

afterAll(async () => {
  client.destroy();
  await lambda.stop();
  rmSync(logsDir, { recursive: true, force: true });
});

async function invoke(name: string, payload: unknown, type: 'Event' | 'RequestResponse' = 'RequestResponse') {
  const out = await client.send(new InvokeCommand({ FunctionName: `emulator-fixture-local-${name}`, InvocationType: type, Payload: Buffer.from(JSON.stringify(payload)) }));
  const text = out.Payload ? Buffer.from(out.Payload).toString('utf8') : '';
  return { status: out.StatusCode, functionError: out.FunctionError, body: text ? JSON.parse(text) : undefined };
}

test('returns the handler result with the environment serverless.yml declares', async () => {
  const { status, body } = await invoke('spin', { ms: 10 });
  expect(status).toBe(200);
  expect(body.bucket).toBe('fixture-bucket');
  expect(body.stage).toBe('local');
  expect(body.pid).not.toBe(process.pid);
});

test('runs concurrent invocations in parallel processes', async () => {
  const single = await invoke('spin', { ms: 1500 });
  // Two warm processes first, so that neither of the measured pair waits for a cold start (invoked
  // directly, in one tick, so the second cannot find the first one idle).
  const fn = 'emulator-fixture-local-spin';
  await Promise.all([lambda.invoke(fn, { ms: 1 }), lambda.invoke(fn, { ms: 1 })]);
  const t0 = Date.now();
  const [a, b] = await Promise.all([invoke('spin', { ms: 1500 }), invoke('spin', { ms: 1500 })]);
  const wall = Date.now() - t0;
  expect(a.body.pid).not.toBe(b.body.pid);
  // The two busy loops overlap in time: both started before either ended.
  expect(Math.max(a.body.startedAt, b.body.startedAt)).toBeLessThan(Math.min(a.body.endedAt, b.body.endedAt));
  expect(single.body.endedAt - single.body.startedAt).toBeGreaterThanOrEqual(1500);
  expect(wall).toBeLessThan(2 * 1500); // one after the other would take 3 s of work
});

test("a warm-up starts a sandbox for its worker rather than take another worker's idle one", async () => {
  const fn = 'emulator-fixture-local-spin';
  await lambda.invoke(fn, { ms: 1, rank: 5 });
  await lambda.whenIdle();
  const recordOf = (n: number) => lambda.invocations().filter((r) => r.functionKey === 'spin').at(n)!;
  const peerFive = recordOf(-1).pid;
  await lambda.invoke(fn, { ms: 1, rank: 6, warmUp: true }); // rank 5's sandbox is idle, yet not given to it
  expect([recordOf(-1).warm, recordOf(-1).pid === peerFive]).toEqual([false, false]);
  const peerSix = recordOf(-1).pid;
  await lambda.invoke(fn, { ms: 1, rank: 6, warmUp: true }); // its own worker's: reused
  expect([recordOf(-1).warm, recordOf(-1).pid]).toEqual([true, peerSix]);
  await lambda.invoke(fn, { ms: 1, rank: 5 });
  expect([recordOf(-1).warm, recordOf(-1).pid]).toEqual([true, peerFive]);
});

test('reports a thrown error as an Unhandled function error with its message', async () => {
  const { status, functionError, body } = await invoke('fail', { why: 'bad field x' });
  expect(status).toBe(200);
  expect(functionError).toBe('Unhandled');
  expect(body).toEqual({ errorType: 'FixtureError', errorMessage: 'refused: bad field x' });
});

test('queues Event invocations with 202 and records their outcome', async () => {
  const { status } = await invoke('fail', { why: 'async' }, 'Event');
  expect(status).toBe(202);
  await lambda.whenIdle();
  const record = lambda.invocations().find((r) => r.type === 'Event' && r.functionKey === 'fail');
  expect(record?.status).toBe('failed');
  expect(record?.error).toContain('refused: async');
});

test('answers ResourceNotFoundException for an unknown function, naming the known ones', async () => {
  const err = await invoke('nope', {}).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ResourceNotFoundException);
  expect((err as Error).message).toContain('emulator-fixture-local-spin');
});

test('kills an invocation at its timeout like Lambda', async () => {
  const { functionError, body } = await invoke('slow', {});
  expect(functionError).toBe('Unhandled');
  expect(body.errorMessage).toBe('Task timed out after 2 seconds');
  const record = lambda.invocations().find((r) => r.functionKey === 'slow');
  expect(record?.status).toBe('timed-out');
  // Killed 2 s after the handler was loaded (the cold start's init phase does not count, as on Lambda).
  expect(record!.endedAt! - record!.startedAt - record!.initMs!).toBeLessThan(4000);
  expect(() => process.kill(record!.pid!, 0)).toThrow(); // the process is gone
});

test('gives the handler the remaining time and writes JSON-lines logs per function', async () => {
  const { body } = await invoke('remaining', { rank: 3 });
  expect(body.remainingMs).toBeGreaterThan(25_000);
  expect(body.remainingMs).toBeLessThanOrEqual(30_000);
  await lambda.whenIdle();
  const lines = readFileSync(path.join(logsDir, 'remaining.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  expect(lines.find((l) => l.message === 'plain text line')).toMatchObject({ function: 'remaining', stream: 'stdout' });
  expect(lines.find((l) => l.message === 'REPORT')).toMatchObject({ status: 'succeeded', memoryMb: 256, worker: 'rank 3' }); // the worker, to read a log per worker
  const spun = readFileSync(path.join(logsDir, 'spin.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  expect(spun.find((l) => l.message === 'spun')).toMatchObject({ function: 'spin', ms: 10 });
});

test("LambdaInvoker.invoke waits for the answer and throws a function's error, naming it", async () => {
  const invoker = new LambdaInvoker(undefined, client);
  const answer = await invoker.invoke('emulator-fixture-local-spin', { ms: 5 }) as { bucket: string; endedAt: number };
  expect(answer.bucket).toBe('fixture-bucket');
  expect(answer.endedAt).toBeLessThanOrEqual(Date.now());
  const err = await invoker.invoke('emulator-fixture-local-fail', { why: 'no rank' }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(FunctionInvocationError);
  expect((err as FunctionInvocationError).errorType).toBe('FixtureError');
  expect((err as Error).message).toBe('emulator-fixture-local-fail failed: FixtureError: refused: no rank');
});

test('LambdaInvoker.invoke names the function whose answer is not JSON', async () => {
  const garbled = { send: async () => ({ StatusCode: 200, Payload: Buffer.from('<html>bad gateway') }) } as unknown as LambdaClient;
  await expect(new LambdaInvoker(undefined, garbled).invoke('svc-dev-auth', {})).rejects.toThrow('svc-dev-auth answered with a payload that is not JSON: "<html>bad gateway"');
});
