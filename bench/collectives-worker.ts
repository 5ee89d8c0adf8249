import { createCommunicator, type CollectivePattern } from '../lib/comm';
import { TrafficCounter, type TrafficSnapshot } from '../lib/metrics/traffic';
import { createChannelStore } from '../lib/stores/create-store';
import { createLocalS3Client } from '../lib/stores/s3-client';
import { S3Store } from '../lib/stores/s3';
import type { ObjectStore, StoreKind } from '../lib/stores/types';

// One benchmark worker (a child process of bench/collectives.ts, so workers truly run in
// parallel): times synchronisation steps of a collective, or the same puts and gets without
// anyone to wait for.

export interface BenchTask {
  channel: StoreKind;
  /** REDIS_URL, MEMCACHED_URL, AWS_ENDPOINT_URL_DYNAMODB, MLTRAIN_DYNAMODB_TABLE, S3 endpoint and bucket. */
  env: Record<string, string>;
  s3: { endpoint: string; bucket: string };
  pattern: CollectivePattern;
  size: number;
  workers: number;
  rank: number;
  warmup: number;
  steps: number;
  prefix: string;
}

export interface BenchResult {
  rank: number;
  collectiveMs: number[];
  rawMs: number[];
  /** What one timed collective step moved through the store, and the successful reads and writes it made. */
  perStep: { bytesWritten: number; bytesRead: number; requests: number };
}

class RecordingStore implements ObjectStore {
  saves: number[] = [];
  loads: number[] = [];
  constructor(private readonly inner: ObjectStore) {}
  get kind() { return this.inner.kind; }
  async save(key: string, bytes: Uint8Array) { await this.inner.save(key, bytes); this.saves.push(bytes.byteLength); }
  async load(key: string) { const v = await this.inner.load(key); if (v) this.loads.push(v.byteLength); return v; }
  loadOrWait(key: string, opts: Parameters<ObjectStore['loadOrWait']>[1]) { return this.inner.loadOrWait(key, opts); }
  delete(keys: string[]) { return this.inner.delete(keys); }
  list(prefix: string) { return this.inner.list(prefix); }
  clear(prefix: string) { return this.inner.clear(prefix); }
}

async function run(task: BenchTask, prepared: () => void, go: Promise<void>): Promise<BenchResult> {
  const traffic = new TrafficCounter();
  const bucket = new S3Store(createLocalS3Client(task.s3.endpoint), task.s3.bucket, traffic);
  const store = new RecordingStore(task.channel === 's3' ? bucket : createChannelStore(task.channel, { bucket, traffic, env: task.env }));
  const comm = createCommunicator(task.pattern, {
    store, prefix: `${task.prefix}sync/`, rank: task.rank, numWorkers: task.workers, timeoutMs: 600_000, checkAbort: async () => undefined,
  });
  const gradient = Float32Array.from({ length: task.size }, (_, i) => Math.sin(i + task.rank));
  prepared();
  await go;

  const collectiveMs: number[] = [];
  let before: TrafficSnapshot = traffic.snapshot();
  for (let step = 0; step < task.warmup + task.steps; step++) {
    if (step === task.warmup) {
      before = traffic.snapshot();
      store.saves = [];
      store.loads = [];
    }
    const t0 = performance.now();
    await comm.mean(`s${step}`, gradient);
    if (step >= task.warmup) collectiveMs.push(performance.now() - t0);
  }
  const after = traffic.snapshot();
  const requests = (Object.values(after.requests) as number[]).reduce((a, b) => a + b, 0) - (Object.values(before.requests) as number[]).reduce((a, b) => a + b, 0);
  const perStep = {
    bytesWritten: (after.bytesWritten - before.bytesWritten) / task.steps,
    bytesRead: (after.bytesRead - before.bytesRead) / task.steps,
    requests: requests / task.steps,
  };

  // The same successful puts and gets per step, with nobody to wait for: puts of this step's sizes,
  // then gets of values of the read sizes written beforehand.
  const saves = store.saves.slice(0, Math.round(store.saves.length / task.steps));
  const loads = store.loads.slice(0, Math.round(store.loads.length / task.steps));
  const rawPrefix = `${task.prefix}raw/rank-${task.rank}/`;
  await Promise.all(loads.map((bytes, i) => store.save(`${rawPrefix}read-${i}`, new Uint8Array(bytes))));
  const rawMs: number[] = [];
  for (let step = 0; step < task.warmup + task.steps; step++) {
    const t0 = performance.now();
    await Promise.all(saves.map((bytes, i) => store.save(`${rawPrefix}s${step}/write-${i}`, new Uint8Array(bytes))));
    await Promise.all(loads.map((_, i) => store.load(`${rawPrefix}read-${i}`)));
    if (step >= task.warmup) rawMs.push(performance.now() - t0);
    await store.delete(saves.map((_, i) => `${rawPrefix}s${step}/write-${i}`)); // keep the servers' memory small
  }
  return { rank: task.rank, collectiveMs, rawMs, perStep };
}

if (require.main === module) {
  let release: () => void;
  const go = new Promise<void>((resolve) => { release = resolve; });
  process.on('message', (msg: { type: 'task'; task: BenchTask } | { type: 'go' }) => {
    if (msg.type === 'go') release();
    else run(msg.task, () => process.send!({ type: 'prepared' }), go).then(
      (result) => process.send!({ type: 'result', result }, () => process.exit(0)),
      (err: Error) => process.send!({ type: 'error', message: err.stack ?? err.message }, () => process.exit(1)),
    );
  });
  process.send!({ type: 'ready' });
}
