/**
 * Cold vs warm invocation latency of the local Lambda emulator, in ms, measured from the caller:
 * a cold invocation forks a process (node + tsx) and loads the handler's modules; a warm one reuses
 * the idle process of an earlier invocation. Two handlers: one that does nothing, one that loads
 * TF.js and picks its backend (what every training function does first).
 *
 *   npx tsx bench/local-invoke.ts [--rounds 5]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalLambda } from '../lib/local/lambda/emulator';
import { loadServiceDefinition } from '../lib/local/lambda/service-definition';

const SERVICE_DIR = path.join(__dirname, 'fixtures', 'invoke-service');

function parseRounds(argv: string[]): number {
  if (argv.length === 0) return 5;
  const rounds = Number(argv[1]);
  if (argv[0] !== '--rounds' || !Number.isInteger(rounds) || rounds < 1) throw new Error(`usage: bench/local-invoke.ts [--rounds N], N a positive integer; got ${argv.join(' ')}`);
  return rounds;
}

async function timed(lambda: LocalLambda, fn: string): Promise<number> {
  const t0 = performance.now();
  const out = await lambda.invoke(fn, {});
  if (out.functionError) throw new Error(`${fn}: ${out.functionError.errorType}: ${out.functionError.errorMessage}`);
  return performance.now() - t0;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (xs: number[]) => `median ${median(xs).toFixed(1)}  min ${Math.min(...xs).toFixed(1)}  max ${Math.max(...xs).toFixed(1)}`;

async function main(): Promise<void> {
  const rounds = parseRounds(process.argv.slice(2));
  const logsDir = mkdtempSync(path.join(os.tmpdir(), 'bench-invoke-'));
  const service = loadServiceDefinition(SERVICE_DIR, { stage: 'local', resources: {} });
  // warm: false makes every invocation cold; the default reuses the process.
  const cold = await LocalLambda.start({ services: [service], env: {}, logsDir, warm: false });
  const warm = await LocalLambda.start({ services: [service], env: {}, logsDir });
  try {
    console.log(`local Lambda invocation latency, ms, ${rounds} rounds, ${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(1)}`);
    for (const key of ['trivial', 'tfjs']) {
      const fn = `invoke-bench-local-${key}`;
      const coldMs: number[] = [];
      for (let i = 0; i < rounds; i++) coldMs.push(await timed(cold, fn));
      await timed(warm, fn); // the one cold start of the warm emulator
      const warmMs: number[] = [];
      for (let i = 0; i < rounds; i++) warmMs.push(await timed(warm, fn));
      console.log(`${key.padEnd(8)} cold: ${fmt(coldMs)}`);
      console.log(`${key.padEnd(8)} warm: ${fmt(warmMs)}   (${(median(coldMs) / median(warmMs)).toFixed(0)}x faster)`);
    }
  } finally {
    await Promise.all([cold.stop(), warm.stop()]);
    rmSync(logsDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
