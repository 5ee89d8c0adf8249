/**
 * SPIRT's in-database step three ways, on one local redis-server with the tensor module:
 *   module    AI.TENSORREDUCE MEAN over the batch gradients, then AI.MODELUPDATE (two commands);
 *   function  fetch every gradient and the params as Buffers (ioredis), average (lib/ml meanOf) and
 *             update in TypeScript, write the params back;
 *   json+lua  the reference implementation's path: gradients as JSON text in a Redis list, averaged
 *             by a Lua script (EVALSHA: LRANGE, cjson.decode, sum, divide, cjson.encode), the JSON
 *             average parsed in TypeScript, which updates the params and writes them back.
 * For 1.5 M (MobileNetV3-small, SPIRT's model) and 3.2 M (MobileNet v1, the baselines' model)
 * float32 parameters and 4 and 20 gradients. Also times plain memory passes over the same bytes.
 *
 *   node --import tsx bench/tensor-module.ts [--sizes 1528106,3217226] [--sources 4,20] [--repeats 5] [--lua-repeats 3] [--skip-lua]
 */
import * as os from 'node:os';
import Redis from 'ioredis';
import { startRedis } from '../lib/local/servers/redis';
import { createRng } from '../lib/ml/random';
import { meanOf } from '../lib/ml/tensor';
import { TensorClient } from '../lib/stores/tensor-client';
import { ensureTensorModule } from '../lib/stores/tensor-module';

const LR = 0.01;
// Runs of the cheap single operations (MODELUPDATE alone, the memory passes).
const MANY = 21;
// Distinct gradient contents; more sources reuse them (the work per source is the same).
const DISTINCT_GRADIENTS = 4;

// The reference's Trigger_Average_Gradient_sync script, rewritten: the average of the first
// ARGV[1] JSON arrays in the list, returned as JSON.
const AVERAGE_LUA = `
local entries = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
local sum = cjson.decode(entries[1])
for e = 2, #entries do
  local g = cjson.decode(entries[e])
  for i = 1, #g do sum[i] = sum[i] + g[i] end
end
local count = #entries
for i = 1, #sum do sum[i] = sum[i] / count end
return cjson.encode(sum)`;

interface Options {
  sizes: number[];
  sources: number[];
  repeats: number;
  luaRepeats: number;
  skipLua: boolean;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { sizes: [1_528_106, 3_217_226], sources: [4, 20], repeats: 5, luaRepeats: 3, skipLua: false };
  const positiveIntegers = (flag: string, value: string | undefined) => {
    const list = (value ?? '').split(',').map(Number);
    if (!list.length || list.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`${flag} needs positive integers separated by commas, got '${value}'`);
    return list;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--skip-lua') options.skipLua = true;
    else if (flag === '--sizes') options.sizes = positiveIntegers(flag, argv[++i]);
    else if (flag === '--sources') options.sources = positiveIntegers(flag, argv[++i]);
    else if (flag === '--repeats') [options.repeats] = positiveIntegers(flag, argv[++i]);
    else if (flag === '--lua-repeats') [options.luaRepeats] = positiveIntegers(flag, argv[++i]);
    else throw new Error(`unknown option ${flag} (expected --sizes, --sources, --repeats, --lua-repeats, --skip-lua)`);
  }
  return options;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Wall times of `repeats` runs after one warm-up run (none when warmUp is false). */
async function timesMs(repeats: number, run: () => Promise<unknown> | unknown, warmUp = true): Promise<number[]> {
  if (warmUp) await run();
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  return times;
}

async function timeMs(repeats: number, run: () => Promise<unknown> | unknown, warmUp = true): Promise<number> {
  return median(await timesMs(repeats, run, warmUp));
}

/** Median and best: on a shared machine the best run shows what the code can do. */
async function timeMedianAndBest(repeats: number, run: () => Promise<unknown> | unknown): Promise<[number, number]> {
  const times = await timesMs(repeats, run);
  return [median(times), Math.min(...times)];
}

function randomGradient(seed: number, n: number): Float32Array {
  const rng = createRng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal() * 1e-3;
  return out;
}

/** Server-side microseconds per call of a module command since the last CONFIG RESETSTAT. */
async function serverUsecPerCall(redis: Redis, command: string): Promise<number> {
  const stats = (await redis.call('INFO', 'commandstats')) as string;
  const line = stats.split('\r\n').find((l) => l.toLowerCase().startsWith(`cmdstat_${command.toLowerCase()}:`));
  const match = line?.match(/usec_per_call=([\d.]+)/);
  return match ? Number(match[1]) : NaN;
}

interface Row {
  params: number;
  sources: number;
  moduleMs: number;
  functionMs: number;
  luaMs?: number;
  modelUpdateMs: [number, number];
  modelUpdateServerUs: number;
  reduceServerUs: number;
  copyMs: [number, number];
  copyBothMs: [number, number];
  jsUpdateMs: number;
  /** Median over paired runs of MODELUPDATE's time in the server ÷ a params memcpy. */
  pairedRatio: number;
  identical: boolean;
  luaMaxDiff?: number;
}

async function measure(redis: Redis, n: number, sources: number, options: Options): Promise<Row> {
  const client = new TensorClient(redis);
  await redis.call('FLUSHALL');
  const gradients = Array.from({ length: Math.min(sources, DISTINCT_GRADIENTS) }, (_, i) => randomGradient(100 + i, n));
  const gradientOf = (s: number) => gradients[s % gradients.length];
  const keys = Array.from({ length: sources }, (_, s) => `bench:grad:${s}`);
  for (const [s, key] of keys.entries()) await client.set(key, gradientOf(s));
  const initialParams = randomGradient(7, n).map((x) => x * 100);
  const allGradients = keys.map((_, s) => gradientOf(s));

  // (a) Module: both steps in the database.
  await client.set('bench:params:module', initialParams);
  await redis.call('CONFIG', 'RESETSTAT');
  const moduleMs = await timeMs(options.repeats, async () => {
    await client.reduce('bench:mean', 'mean', keys);
    await client.modelUpdate('bench:params:module', LR, 'bench:mean');
  });
  const modelUpdateMs = await timeMedianAndBest(MANY, () => client.modelUpdate('bench:params:module', LR, 'bench:mean'));
  const modelUpdateServerUs = await serverUsecPerCall(redis, 'AI.MODELUPDATE');
  const reduceServerUs = await serverUsecPerCall(redis, 'AI.TENSORREDUCE');

  // (b) Function: fetch everything (pipelined on one connection), compute, write back.
  await client.set('bench:params:function', initialParams);
  const functionStep = async () => {
    const [params, ...grads] = await Promise.all([client.get('bench:params:function'), ...keys.map((k) => client.get(k))]);
    const mean = meanOf(grads as Float32Array[]);
    const p = params!;
    for (let i = 0; i < n; i++) p[i] -= LR * mean[i];
    await client.set('bench:params:function', p);
  };
  const functionMs = await timeMs(options.repeats, functionStep);

  // One step from the same start on both paths gives the same bits.
  await client.set('bench:params:module', initialParams);
  await client.set('bench:params:function', initialParams);
  await client.reduce('bench:mean', 'mean', keys);
  await client.modelUpdate('bench:params:module', LR, 'bench:mean');
  await functionStep();
  const [viaModule, viaFunction] = await Promise.all([client.get('bench:params:module'), client.get('bench:params:function')]);
  const identical = Buffer.compare(Buffer.from(viaModule!.buffer), Buffer.from(viaFunction!.buffer)) === 0;

  // Plain memory passes: copy the params once (a C memcpy of 4n bytes), copy params and gradient
  // (the bytes MODELUPDATE reads), and the update as a TypeScript loop.
  const scratch = new Float32Array(n);
  const scratch2 = new Float32Array(n);
  const copyMs = await timeMedianAndBest(MANY, () => scratch.set(initialParams));
  const copyBothMs = await timeMedianAndBest(MANY, () => {
    scratch.set(initialParams);
    scratch2.set(allGradients[0]);
  });
  const jsUpdateMs = await timeMs(11, () => {
    const g = allGradients[0];
    for (let i = 0; i < n; i++) scratch[i] -= LR * g[i];
  });

  // MODELUPDATE's own time in the server next to a params memcpy taken just before it, pair by
  // pair, so that the load of a shared machine weighs on both alike.
  const pairRatios: number[] = [];
  for (let r = 0; r < MANY; r++) {
    const start = performance.now();
    scratch.set(initialParams);
    const copy = performance.now() - start;
    await redis.call('CONFIG', 'RESETSTAT');
    await client.modelUpdate('bench:params:module', LR, 'bench:mean');
    pairRatios.push((await serverUsecPerCall(redis, 'AI.MODELUPDATE')) / 1000 / copy);
  }
  const pairedRatio = median(pairRatios);

  const row: Row = { params: n, sources, moduleMs, functionMs, modelUpdateMs, modelUpdateServerUs, reduceServerUs, copyMs, copyBothMs, jsUpdateMs, pairedRatio, identical };

  // (c) The reference's JSON + Lua path.
  if (!options.skipLua) {
    await redis.call('FLUSHALL');
    const texts = gradients.map((g) => JSON.stringify(Array.from(g)));
    for (let s = 0; s < sources; s++) await redis.rpush('bench:gradients', texts[s % texts.length]);
    texts.length = 0;
    await client.set('bench:params:lua', initialParams);
    const sha = (await redis.call('SCRIPT', 'LOAD', AVERAGE_LUA)) as string;
    let average = new Float32Array(0);
    const luaStep = async () => {
      const json = (await redis.call('EVALSHA', sha, '1', 'bench:gradients', String(sources))) as string;
      average = Float32Array.from(JSON.parse(json) as number[]);
      const p = (await client.get('bench:params:lua'))!;
      for (let i = 0; i < n; i++) p[i] -= LR * average[i];
      await client.set('bench:params:lua', p);
    };
    row.luaMs = await timeMs(options.luaRepeats, luaStep, false);
    const exact = meanOf(allGradients);
    row.luaMaxDiff = average.reduce((m, x, i) => Math.max(m, Math.abs(x - exact[i])), 0);
    await redis.call('FLUSHALL');
  }
  return row;
}

function fmt(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

function printRow(row: Row): void {
  const ratio = (ms: number | undefined) => (ms === undefined ? '' : ` (${(ms / row.moduleMs).toFixed(1)}× the module)`);
  const m = (row.params / 1e6).toFixed(2);
  process.stdout.write(
    [
      `\n${m} M params, ${row.sources} gradients:`,
      `  module   TENSORREDUCE MEAN + MODELUPDATE  ${fmt(row.moduleMs)} ms`,
      `  function fetch, average, update, write    ${fmt(row.functionMs)} ms${ratio(row.functionMs)}; same bits as the module: ${row.identical ? 'yes' : 'NO'}`,
      row.luaMs === undefined
        ? '  json+lua skipped'
        : `  json+lua EVALSHA average, update, write  ${fmt(row.luaMs)} ms${ratio(row.luaMs)}; largest difference from the exact mean ${row.luaMaxDiff!.toExponential(1)}`,
      `  MODELUPDATE alone: ${fmt(row.modelUpdateMs[0])} ms at the client (best ${fmt(row.modelUpdateMs[1])}), ${fmt(row.modelUpdateServerUs / 1000)} ms in the server; TENSORREDUCE in the server ${fmt(row.reduceServerUs / 1000)} ms`,
      `  memory passes (TypedArray.set, a C memcpy): params ${fmt(row.copyMs[0])} ms (best ${fmt(row.copyMs[1])}), params + gradient ${fmt(row.copyBothMs[0])} ms (best ${fmt(row.copyBothMs[1])}); TypeScript update loop ${fmt(row.jsUpdateMs)} ms`,
      `  MODELUPDATE / memory pass, median (best): ${(row.modelUpdateMs[0] / row.copyMs[0]).toFixed(1)}× (${(row.modelUpdateMs[1] / row.copyMs[1]).toFixed(1)}×) the params copy, ` +
        `${(row.modelUpdateMs[0] / row.copyBothMs[0]).toFixed(1)}× (${(row.modelUpdateMs[1] / row.copyBothMs[1]).toFixed(1)}×) the params + gradient copy`,
      `  MODELUPDATE in the server ÷ a params copy just before it, median of ${MANY} pairs: ${row.pairedRatio.toFixed(1)}×`,
    ].join('\n') + '\n',
  );
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const server = await startRedis({ modules: [{ path: ensureTensorModule() }], stopTimeoutMs: 30_000 });
  const redis = new Redis({ host: '127.0.0.1', port: server.port });
  try {
    const version = ((await redis.call('INFO', 'server')) as string).match(/redis_version:(\S+)/)?.[1];
    process.stdout.write(
      `${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, Node ${process.version}, redis-server ${version}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n` +
        `median of ${options.repeats} runs (json+lua: ${options.luaRepeats}), lr ${LR}\n`,
    );
    for (const n of options.sizes) {
      for (const sources of options.sources) printRow(await measure(redis, n, sources, options));
    }
    process.stdout.write(`\nload average at the end ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
  } finally {
    redis.disconnect();
    await server.stop();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});
