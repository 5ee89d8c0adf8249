import os from 'node:os';
import { AllReduceCommunicator } from '../lib/comm';
import { encodeTensor, meanOf } from '../lib/ml/tensor';
import type { StoreKind } from '../lib/stores/types';
import { bigTensor, MOBILENET_V1_PARAMS, RESNET18_PARAMS } from '../test/stores/big-tensors';
import { startStoreServer, STORE_KINDS } from '../test/stores/helpers';

// The papers' largest tensors through each channel's real local server (memcached with
// ElastiCache's default 1 MB items, so in parts): one save + load of ResNet-18's 44.7 MB and of
// MobileNet v1's 12.9 MB, and one 4-worker AllReduce step at 11.2 M floats, with the time and this
// process's peak resident memory (dynalite runs in this process, the other servers do not).
//
//   npx tsx bench/big-tensors.ts [--channels s3,redis] [--no-allreduce]

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** Runs `work`, sampling rss every 10 ms: seconds taken and peak rss in MB. */
async function measure<T>(work: () => Promise<T>): Promise<{ seconds: number; peakMb: number; result: T }> {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 10);
  const t0 = performance.now();
  try {
    const result = await work();
    return { seconds: (performance.now() - t0) / 1000, peakMb: Math.max(peak, process.memoryUsage().rss) / 2 ** 20, result };
  } finally {
    clearInterval(sampler);
  }
}

async function benchChannel(kind: StoreKind, allReduce: boolean): Promise<string[]> {
  const server = await startStoreServer(kind);
  const rows: string[] = [];
  const loadAvg = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');
  try {
    const store = server.open();
    for (const [model, n] of [['ResNet-18', RESNET18_PARAMS], ['MobileNet v1', MOBILENET_V1_PARAMS]] as const) {
      const bytes = encodeTensor(bigTensor(n, 1));
      const save = await measure(() => store.save(`runs/bench/${n}.f32`, bytes));
      const load = await measure(() => store.load(`runs/bench/${n}.f32`));
      if (!load.result?.equals(bytes)) throw new Error(`${kind}: ${model} came back different`);
      await store.delete([`runs/bench/${n}.f32`]);
      rows.push(`| ${kind} | save + load ${model} (${(bytes.byteLength / 1e6).toFixed(1)} MB) | ${save.seconds.toFixed(2)} + ${load.seconds.toFixed(2)} s | ${Math.max(save.peakMb, load.peakMb).toFixed(0)} MB | ${loadAvg()} |`);
      console.error(rows[rows.length - 1]);
    }
    if (allReduce) {
      const grads = Array.from({ length: 4 }, (_, r) => bigTensor(RESNET18_PARAMS, 10 + r));
      const comms = grads.map((_, rank) => new AllReduceCommunicator({
        store: server.open(), prefix: 'runs/bench/sync/', rank, numWorkers: 4, timeoutMs: 30 * 60_000, checkAbort: async () => undefined,
      }));
      const step = await measure(() => Promise.all(comms.map((c, r) => c.mean('e1/b0', grads[r]))));
      const expected = encodeTensor(meanOf(grads));
      if (!step.result.every((m) => encodeTensor(m).equals(expected))) throw new Error(`${kind}: AllReduce means differ`);
      rows.push(`| ${kind} | AllReduce step, 4 workers, 11.2 M floats | ${step.seconds.toFixed(2)} s | ${step.peakMb.toFixed(0)} MB | ${loadAvg()} |`);
      console.error(rows[rows.length - 1]);
    }
  } finally {
    await server.stop();
  }
  return rows;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const i = argv.indexOf('--channels');
  const channels = (i >= 0 ? argv[i + 1].split(',') : STORE_KINDS) as StoreKind[];
  for (const c of channels) if (!STORE_KINDS.includes(c)) throw new Error(`--channels: unknown channel "${c}"`);
  const rows = ['| channel | what | time | peak rss | load average (1, 5, 15 min) |', '|---|---|---|---|---|'];
  for (const kind of channels) rows.push(...await benchChannel(kind, !argv.includes('--no-allreduce')));
  console.log(`${new Date().toISOString()}, ${os.cpus().length} cores\n\n${rows.join('\n')}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
