/**
 * Nothing the local runtime starts may outlive it: not after stopAll, not after Ctrl-C, not even
 * after the runtime is SIGKILLed. Separate file (own jest worker) because stopAll stops everything
 * this process tracks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { listTracked, stopAll } from '../../../lib/local/processes';
import { startMemcached, startRedis, startSqs } from '../../../lib/local/servers';
import { acceptsConnections, eventually, isProcessGone } from './helpers';

const FIXTURE = path.join(__dirname, 'fixtures', 'redis-until-signal.ts');

interface StartedFixture {
  node: ChildProcess;
  redis: { pid: number; port: number; dir: string };
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const leftovers: number[] = [];

/** Runs the fixture under tsx and resolves once it has printed the redis-server it started. */
function startFixture(mode: 'wait' | 'crash' | 'exit' = 'wait', ownProcessGroup = false): Promise<StartedFixture> {
  const node = spawn(process.execPath, ['--import', 'tsx', FIXTURE, mode], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: ownProcessGroup,
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    node.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      node.kill('SIGKILL');
      reject(new Error(`fixture printed nothing within 15 s; stderr: ${stderr}`));
    }, 15_000);
    node.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    node.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n')[0];
      if (!stdout.includes('\n')) return;
      clearTimeout(timer);
      const redis = JSON.parse(line) as StartedFixture['redis'];
      leftovers.push(redis.pid);
      resolve({ node, redis, exited });
    });
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`fixture exited early (code ${code}); stderr: ${stderr}`));
    });
  });
}

afterAll(() => {
  // If a test failed, do not leave its redis-server behind.
  for (const pid of leftovers) {
    if (!isProcessGone(pid)) process.kill(pid, 'SIGKILL');
  }
});

describe('process cleanup', () => {
  it('stopAll stops every tracked server and child', async () => {
    const [redis, memcached, sqs] = await Promise.all([startRedis(), startMemcached(), startSqs()]);
    expect(listTracked().children.map((c) => c.pid).sort()).toEqual([redis.pid, memcached.pid].sort());

    await stopAll();

    expect(listTracked()).toEqual({ children: [], stoppables: [] });
    expect(isProcessGone(redis.pid)).toBe(true);
    expect(isProcessGone(memcached.pid)).toBe(true);
    for (const port of [redis.port, memcached.port, sqs.port]) expect(await acceptsConnections(port)).toBe(false);
    await redis.stop(); // still safe afterwards
  });

  it('on SIGINT the runtime stops its redis-server and exits with 130', async () => {
    const { node, redis, exited } = await startFixture();
    expect(isProcessGone(redis.pid)).toBe(false);
    expect(await acceptsConnections(redis.port)).toBe(true);

    node.kill('SIGINT'); // only the node process: its handler must do the rest

    expect(await exited).toEqual({ code: 130, signal: null });
    expect(isProcessGone(redis.pid)).toBe(true);
    expect(await acceptsConnections(redis.port)).toBe(false);
    expect(fs.existsSync(redis.dir)).toBe(false); // its private folder was removed too
  });

  it('on Ctrl-C in a terminal (SIGINT to the whole process group) nothing is left either', async () => {
    const { node, redis, exited } = await startFixture('wait', true);
    process.kill(-node.pid!, 'SIGINT'); // what the terminal does: redis gets SIGINT too
    expect(await exited).toEqual({ code: 130, signal: null });
    expect(isProcessGone(redis.pid)).toBe(true);
    expect(fs.existsSync(redis.dir)).toBe(false);
  });

  it('on an uncaught exception the runtime stops its redis-server and exits with 1', async () => {
    const { redis, exited } = await startFixture('crash');
    expect(await exited).toEqual({ code: 1, signal: null });
    expect(isProcessGone(redis.pid)).toBe(true);
    expect(fs.existsSync(redis.dir)).toBe(false);
  });

  it('on process.exit() without cleanup the exit hook still kills the redis-server', async () => {
    const { redis, exited } = await startFixture('exit');
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(await eventually(() => isProcessGone(redis.pid), 3_000)).toBe(true);
    fs.rmSync(redis.dir, { recursive: true, force: true }); // a synchronous exit cannot delete it
  });

  it('when the runtime is SIGKILLed, its redis-server dies too (parent-death signal)', async () => {
    const { node, redis, exited } = await startFixture();
    node.kill('SIGKILL');
    expect((await exited).signal).toBe('SIGKILL');
    expect(await eventually(() => isProcessGone(redis.pid), 3_000)).toBe(true);
    // No JavaScript ran to delete the private folder; the kernel only killed the process.
    fs.rmSync(redis.dir, { recursive: true, force: true });
  });
});
