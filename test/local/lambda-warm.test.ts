import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalLambda, type LocalLambdaOptions } from '../../lib/local/lambda/emulator';
import { loadServiceDefinition } from '../../lib/local/lambda/service-definition';

// Warm sandboxes: a finished invocation's process serves the next invocation of its function.

const SERVICE_DIR = path.join(__dirname, '..', 'fixtures', 'lambda-service');
const service = loadServiceDefinition(SERVICE_DIR, { stage: 'local', resources: { DataBucket: 'fixture-bucket' } });
const name = (key: string) => `emulator-fixture-local-${key}`;
const started: LocalLambda[] = [];
const dirs: string[] = [];

async function emulator(opts: Partial<LocalLambdaOptions> = {}): Promise<{ lambda: LocalLambda; logsDir: string }> {
  const logsDir = mkdtempSync(path.join(os.tmpdir(), 'warm-test-'));
  dirs.push(logsDir);
  const lambda = await LocalLambda.start({ services: [service], env: { AWS_REGION: 'eu-west-1' }, logsDir, ...opts });
  started.push(lambda);
  return { lambda, logsDir };
}

async function call<T = Record<string, unknown>>(lambda: LocalLambda, key: string, payload: unknown = {}): Promise<T> {
  const out = await lambda.invoke(name(key), payload);
  if (out.functionError) throw new Error(`${out.functionError.errorType}: ${out.functionError.errorMessage}`);
  return out.payload as T;
}

const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

afterAll(async () => {
  await Promise.all(started.map((l) => l.stop()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('sequential invocations reuse one process, whose module state persists, and get the function ARN', async () => {
  const { lambda } = await emulator();
  const a = await call<{ pid: number; count: number; arn: string }>(lambda, 'counter');
  const b = await call<{ pid: number; count: number }>(lambda, 'counter');
  const c = await call<{ pid: number; count: number }>(lambda, 'counter');
  expect([a.pid, b.pid, c.pid]).toEqual([a.pid, a.pid, a.pid]);
  expect([a.count, b.count, c.count]).toEqual([1, 2, 3]);
  expect(a.arn).toBe('arn:aws:lambda:eu-west-1:000000000000:function:emulator-fixture-local-counter');
  const records = lambda.invocations();
  expect(records.map((r) => [r.pid, r.warm, r.status])).toEqual([[a.pid, false, 'succeeded'], [a.pid, true, 'succeeded'], [a.pid, true, 'succeeded']]);
  expect(records[0].initMs).toBeGreaterThan(0); // the cold start's init phase (node, tsx, the handler's imports)
  expect(records[1].initMs).toBeUndefined();
  // Another function gets its own process: pools are per function.
  const other = await call<{ pid: number }>(lambda, 'spin', { ms: 1 });
  expect(other.pid).not.toBe(a.pid);
  expect(lambda.processes().map((p) => p.busy)).toEqual([false, false]);
});

test('concurrent invocations still run in parallel processes, which then both stay warm', async () => {
  const { lambda } = await emulator();
  // Started in the same tick: the second finds no idle process, so each gets its own.
  const [w1, w2] = await Promise.all([call<Record<string, number>>(lambda, 'spin', { ms: 1 }), call<Record<string, number>>(lambda, 'spin', { ms: 1 })]);
  expect(w1.pid).not.toBe(w2.pid);
  const [a, b] = await Promise.all([call<Record<string, number>>(lambda, 'spin', { ms: 800 }), call<Record<string, number>>(lambda, 'spin', { ms: 800 })]);
  expect(new Set([a.pid, b.pid])).toEqual(new Set([w1.pid, w2.pid])); // both warm, no third process
  expect(Math.max(a.startedAt, b.startedAt)).toBeLessThan(Math.min(a.endedAt, b.endedAt)); // busy loops overlapped
  expect(lambda.processes()).toHaveLength(2);
  expect(lambda.invocations().map((r) => r.warm)).toEqual([false, false, true, true]);
});

test('an idle process that last ran an event for the same peer (or rank) is preferred, so its cached shard stays valid', async () => {
  const { lambda } = await emulator();
  const spin = (ms: number, worker: Record<string, number>) => call<{ pid: number }>(lambda, 'spin', { ms, ...worker });
  const [p0, p1] = await Promise.all([spin(300, { peer: 0 }), spin(300, { peer: 1 })]);
  expect(p0.pid).not.toBe(p1.pid);
  // One after the other: LIFO alone would give every call the process used last.
  const again = [(await spin(1, { peer: 1 })).pid, (await spin(1, { peer: 0 })).pid, (await spin(1, { peer: 1 })).pid];
  expect(again).toEqual([p1.pid, p0.pid, p1.pid]);
  // An event for a worker no idle process served takes the most recently used one, and keeps it.
  const p2 = (await spin(1, { peer: 2 })).pid;
  expect(p2).toBe(p1.pid);
  expect((await spin(1, { rank: 0 })).pid).toBe(p2);
  expect((await spin(1, { peer: 0 })).pid).toBe(p0.pid);
  expect(lambda.processes()).toHaveLength(2);
});

test('an idle process is stopped after the idle timeout; the next invocation starts cold', async () => {
  const { lambda } = await emulator({ idleTimeoutMs: 300 });
  const first = await call<{ pid: number; count: number }>(lambda, 'counter');
  expect(alive(first.pid)).toBe(true);
  expect(await until(() => !alive(first.pid), 5000)).toBe(true);
  expect(lambda.processes()).toEqual([]);
  const next = await call<{ pid: number; count: number }>(lambda, 'counter');
  expect(next.pid).not.toBe(first.pid);
  expect(next.count).toBe(1);
  expect(lambda.invocations()[1].warm).toBe(false);
});

test('a timed-out invocation kills its process, which is never reused', async () => {
  const { lambda } = await emulator({ timeoutOverrides: { nap: 2 } });
  const warm = await call<{ pid: number }>(lambda, 'nap', { ms: 1 });
  const out = await lambda.invoke(name('nap'), { ms: 10_000 });
  expect(out.functionError).toEqual({ errorType: 'TimeoutError', errorMessage: 'Task timed out after 2 seconds' });
  const timedOut = lambda.invocations()[1];
  expect(timedOut).toMatchObject({ status: 'timed-out', pid: warm.pid, warm: true });
  expect(alive(warm.pid)).toBe(false);
  const after = await call<{ pid: number }>(lambda, 'nap', { ms: 1 });
  expect(after.pid).not.toBe(warm.pid);
});

test('a process that dies mid-invocation is reported as crashed and replaced; a killed idle one is not reused', async () => {
  const { lambda } = await emulator();
  const out = await lambda.invoke(name('exit'), { code: 3 });
  expect(out.functionError?.errorType).toBe('Runtime.ExitError');
  expect(out.functionError?.errorMessage).toMatch(/the process running exit exited \(code 3, signal null\) before returning/);
  expect(lambda.invocations()[0].status).toBe('crashed');
  const a = await call<{ pid: number }>(lambda, 'counter');
  process.kill(a.pid, 'SIGKILL');
  expect(await until(() => lambda.processes().length === 0, 5000)).toBe(true);
  const b = await call<{ pid: number; count: number }>(lambda, 'counter');
  expect(b.pid).not.toBe(a.pid);
  expect(b.count).toBe(1);
});

test('when an invocation returns, its log lines are complete, ordered and carry its requestId, also in a reused process', async () => {
  const { lambda, logsDir } = await emulator();
  const lines = 5000;
  const runs: { pid: number; requestId: string }[] = [];
  for (let i = 0; i < 3; i++) {
    runs.push(await call(lambda, 'chatty', { lines }));
    // Read right away: no whenIdle(), no delay.
    const log = readFileSync(path.join(logsDir, 'chatty.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const mine = log.filter((l) => l.requestId === runs[i].requestId);
    expect(mine.filter((l) => l.message === 'out').map((l) => l.seq)).toEqual(Array.from({ length: lines }, (_, k) => k));
    expect(mine.filter((l) => l.stream === 'stderr').map((l) => l.message)).toEqual(Array.from({ length: lines }, (_, k) => `err ${k}`));
    expect(mine.filter((l) => l.message === 'unterminated')).toHaveLength(1);
    expect(mine[mine.length - 1]).toMatchObject({ message: 'REPORT', status: 'succeeded', warm: i > 0 });
    expect(mine).toHaveLength(2 * lines + 2);
    expect(log).toHaveLength((i + 1) * (2 * lines + 2)); // nothing else, nothing from another invocation
  }
  expect(new Set(runs.map((r) => r.pid)).size).toBe(1);
});

test('the timeout counts from the loaded handler, not from the cold start; a handler that cannot load fails the invocation', async () => {
  const { lambda } = await emulator({ timeoutOverrides: { nap: 1 } });
  await lambda.invoke(name('nap'), { ms: 10_000 }); // cold, times out
  const [cold] = lambda.invocations();
  expect(cold.status).toBe('timed-out');
  const ran = cold.endedAt! - cold.startedAt - cold.initMs!;
  expect(ran).toBeGreaterThanOrEqual(1000);
  expect(ran).toBeLessThan(3000);

  const broken = await lambda.invoke(name('broken'), {});
  expect(broken.functionError).toEqual({ errorType: 'ConfigError', errorMessage: 'cannot load: missing configuration' });
  const missing = await lambda.invoke(name('missing'), {});
  expect(missing.functionError?.errorType).toBe('Runtime.HandlerNotFound');
  expect(missing.functionError?.errorMessage).toMatch(/fixture\.ts exports no function named notExported/);
  expect(lambda.invocations().slice(1).map((r) => r.status)).toEqual(['failed', 'failed']);
  expect(await until(() => lambda.processes().length === 0, 5000)).toBe(true); // not kept warm
});

test('warm: false starts a fresh process for every invocation', async () => {
  const { lambda } = await emulator({ warm: false });
  const a = await call<{ pid: number; count: number }>(lambda, 'counter');
  const b = await call<{ pid: number; count: number }>(lambda, 'counter');
  expect(b.pid).not.toBe(a.pid);
  expect([a.count, b.count]).toEqual([1, 1]);
  expect(await until(() => !alive(a.pid) && !alive(b.pid), 5000)).toBe(true);
});
