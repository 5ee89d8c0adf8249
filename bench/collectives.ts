import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CollectivePattern } from '../lib/comm';
import { prepareLocalChannels } from '../lib/local/channels';
import { startServers } from '../lib/local/servers';
import { startS3 } from '../lib/local/servers/s3';
import { startS3Process } from '../lib/local/servers/s3-process';
import { TrafficCounter } from '../lib/metrics/traffic';
import { createChannelStore } from '../lib/stores/create-store';
import { createLocalS3Client } from '../lib/stores/s3-client';
import { S3Store } from '../lib/stores/s3';
import type { StoreKind } from '../lib/stores/types';
import type { BenchResult, BenchTask } from './collectives-worker';

// Time per synchronisation step of AllReduce and ScatterReduce on each channel, for gradients of
// 0.1 M, 1 M and 3.2 M floats and 2, 4 and 8 workers, next to the time the same store needs for the
// same successful puts and gets with nobody to wait for. Workers are child processes, so they run
// in parallel (as far as this machine's cores allow). Prints a markdown table.
//
//   npx tsx bench/collectives.ts [--quick] [--channels s3,redis] [--sizes 100000] [--workers 2,4] [--steps 3]

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'; // this machine runs Node 20 on purpose

const BUCKET = 'bench-collectives';
const WORKER_ENTRY = path.join(__dirname, 'collectives-worker.ts');
const PATTERNS: { pattern: CollectivePattern; name: string }[] = [{ pattern: 'reduce', name: 'AllReduce' }, { pattern: 'reduceScatter', name: 'ScatterReduce' }];

interface Options {
  channels: StoreKind[];
  sizes: number[];
  workers: number[];
  steps: number;
  warmup: number;
  /** Where s3rver runs: in this process, or in a child process of its own. */
  s3: 'in-process' | 'child';
}

function parseArgs(argv: string[]): Options {
  const quick = argv.includes('--quick');
  const value = (flag: string) => { const i = argv.indexOf(flag); return i >= 0 ? argv[i + 1] : undefined; };
  const list = (flag: string, fallback: string) => (value(flag) ?? fallback).split(',').map((s) => s.trim()).filter(Boolean);
  const numbers = (flag: string, fallback: string) => list(flag, fallback).map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${flag}: "${s}" is not a positive whole number`);
    return n;
  });
  const channels = list('--channels', 's3,redis,memcached,dynamodb') as StoreKind[];
  for (const c of channels) if (!['s3', 'redis', 'memcached', 'dynamodb'].includes(c)) throw new Error(`--channels: unknown channel "${c}"`);
  return {
    channels,
    sizes: numbers('--sizes', quick ? '100000' : '100000,1000000,3200000'),
    workers: numbers('--workers', quick ? '2,4' : '2,4,8'),
    steps: numbers('--steps', quick ? '2' : '3')[0],
    warmup: 1,
    s3: argv.includes('--s3-in-process') ? 'in-process' : 'child',
  };
}

async function runConfig(env: Record<string, string>, base: Omit<BenchTask, 'rank'>): Promise<BenchResult[]> {
  const children: ChildProcess[] = [];
  try {
    const results = await new Promise<BenchResult[]>((resolve, reject) => {
      const out: BenchResult[] = [];
      let prepared = 0;
      for (let rank = 0; rank < base.workers; rank++) {
        const child = fork(WORKER_ENTRY, [], { execArgv: ['--import', 'tsx'], env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        children.push(child);
        child.on('message', (msg: { type: string; result?: BenchResult; message?: string }) => {
          if (msg.type === 'ready') child.send({ type: 'task', task: { ...base, rank } });
          else if (msg.type === 'prepared' && ++prepared === base.workers) for (const c of children) c.send({ type: 'go' });
          else if (msg.type === 'result') { out.push(msg.result!); if (out.length === base.workers) resolve(out); }
          else if (msg.type === 'error') reject(new Error(`worker ${rank}: ${msg.message}`));
        });
        child.on('exit', (code) => { if (code) reject(new Error(`worker ${rank} exited with code ${code}`)); });
      }
    });
    return results.sort((a, b) => a.rank - b.rank);
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  }
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
/** The step takes as long as its slowest worker: per step, the largest time over workers. */
const stepMs = (results: BenchResult[], pick: (r: BenchResult) => number[]) =>
  median(pick(results[0]).map((_, step) => Math.max(...results.map((r) => pick(r)[step]))));

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-collectives-'));
  const s3 = await (opts.s3 === 'child' ? startS3Process : startS3)({ directory: dir, buckets: [BUCKET] });
  const servers = await startServers(opts.channels.filter((c) => c !== 's3'));
  const env = {
    ...s3.env, ...servers.env, ...(await prepareLocalChannels(servers)),
    AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  Object.assign(process.env, env); // this process clears each row's keys through the same clients
  const bucket = new S3Store(createLocalS3Client(s3.endpoint), BUCKET);
  console.log(`# collectives: ${opts.steps} timed steps (+${opts.warmup} warm-up) per row, s3rver ${opts.s3}, ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? ''}, node ${process.version}, load average ${os.loadavg()[0].toFixed(1)} at the start\n`);
  console.log('| channel | pattern | floats | workers | step ms | same puts+gets ms | ratio | MB per step (all workers) | requests per step |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|');
  let id = 0;
  try {
    for (const channel of opts.channels) {
      for (const size of opts.sizes) {
        for (const workers of opts.workers) {
          for (const { pattern, name } of PATTERNS) {
            const prefix = `bench/${++id}/`;
            const results = await runConfig(env, {
              channel, env, s3: { endpoint: s3.endpoint, bucket: BUCKET }, pattern, size, workers, warmup: opts.warmup, steps: opts.steps, prefix,
            });
            const collective = stepMs(results, (r) => r.collectiveMs);
            const raw = stepMs(results, (r) => r.rawMs);
            const mb = results.reduce((s, r) => s + r.perStep.bytesWritten + r.perStep.bytesRead, 0) / 1e6;
            const requests = results.reduce((s, r) => s + r.perStep.requests, 0);
            console.log(`| ${channel} | ${name} | ${size.toLocaleString('en-US')} | ${workers} | ${collective.toFixed(0)} | ${raw.toFixed(0)} | ${(collective / raw).toFixed(2)} | ${mb.toFixed(1)} | ${requests.toFixed(0)} |`);
            await createChannelStore(channel, { bucket, traffic: new TrafficCounter(), env }).clear(prefix);
          }
        }
      }
    }
    console.log(`\nload average ${os.loadavg()[0].toFixed(1)} at the end`);
  } finally {
    await servers.stop();
    await s3.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  process.exit(0); // the channel clients of this process keep sockets open
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
