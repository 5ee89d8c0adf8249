/**
 * Time per synchronisation step through the hybrid parameter server: every worker pushes its
 * gradient for the step, then pulls the new model (the server applies the mean with SGD once all N
 * have pushed). The server is the local process the runtime starts (the same entry point the EC2
 * instance runs); the N workers are N gRPC clients (one channel each) in this process.
 *
 *   node --import tsx bench/ps-step.ts [--sizes 100000,1000000,3200000] [--workers 2,4] [--steps 8]
 */
import * as os from 'node:os';
import { readFileSync } from 'node:fs';
import { startParameterServer } from '../lib/local/servers/parameter-server';
import { ParameterServerClient } from '../lib/ps/client';

interface Options {
  sizes: number[];
  workers: number[];
  steps: number;
}

function list(flag: string, value: string): number[] {
  const items = value.split(',').map(Number);
  if (items.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`${flag} must be a comma-separated list of positive integers, got '${value}'`);
  return items;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { sizes: [100_000, 1_000_000, 3_200_000], workers: [2, 4], steps: 8 };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--sizes') options.sizes = list(flag, value);
    else if (flag === '--workers') options.workers = list(flag, value);
    else if (flag === '--steps') options.steps = list(flag, value)[0];
    else throw new Error(`unknown option ${flag} (expected --sizes, --workers, --steps)`);
  }
  return options;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function measure(endpoint: string, token: string, size: number, workers: number, steps: number): Promise<{ stepMs: number; applyMs: number }> {
  const runId = `bench-${size}-${workers}`;
  const clients = Array.from({ length: workers }, () => new ParameterServerClient({ endpoint, token }));
  const initial = new Float32Array(size).fill(0.5);
  const gradients = clients.map((_, r) => new Float32Array(size).fill(r + 1));
  try {
    for (let r = 0; r < workers; r++) {
      await clients[r].register({ runId, rank: r, numWorkers: workers, optimizer: { kind: 'sgd', lr: 0.01, momentum: 0.9, weight_decay: 0 }, initialParams: initial });
    }
    const times: number[] = [];
    const applies: number[] = [];
    // One warm-up step, then the measured ones.
    for (let step = 0; step <= steps; step++) {
      const t0 = performance.now();
      const pulled = await Promise.all(clients.map(async (c, r) => {
        await c.push(runId, r, step, gradients[r]);
        return c.pull(runId, r, step + 1, 60_000, size);
      }));
      if (step > 0) {
        times.push(performance.now() - t0);
        applies.push(pulled[0].updateSeconds * 1000);
      }
    }
    await clients[0].delete(runId);
    return { stepMs: median(times), applyMs: median(applies) };
  } finally {
    for (const c of clients) c.close();
  }
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const server = await startParameterServer();
  const token = readFileSync(server.env.MLTRAIN_PS_TOKEN_FILE, 'utf8');
  try {
    console.log(`parameter server step: ${os.cpus().length} CPUs (${os.cpus()[0]?.model}), Node ${process.version}, load ${os.loadavg()[0].toFixed(1)}, median of ${options.steps} steps`);
    console.log('| floats | workers | MB moved per step | step (push + pull) | server apply (mean + SGD) | MB/s through the server |');
    console.log('|---|---|---|---|---|---|');
    for (const size of options.sizes) {
      for (const workers of options.workers) {
        const { stepMs, applyMs } = await measure(server.endpoint, token, size, workers, options.steps);
        const mb = (2 * workers * size * 4) / 1e6;
        console.log(`| ${size.toLocaleString('en-US')} | ${workers} | ${mb.toFixed(1)} | ${stepMs.toFixed(1)} ms | ${applyMs.toFixed(1)} ms | ${(mb / (stepMs / 1000)).toFixed(0)} |`);
      }
    }
  } finally {
    await server.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
