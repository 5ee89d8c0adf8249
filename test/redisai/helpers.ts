/**
 * A real redis-server with the tensor module loaded, for the tests. startRedis writes its own
 * config, so a small wrapper script adds what the tests need on the command line: DEBUG (for
 * DEBUG RELOAD / DIGEST) from 127.0.0.1, and for the AddressSanitizer build, libasan preloaded and
 * sanitizer reports written to files the test reads after the server has exited.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Redis from 'ioredis';
import { findOnPath } from '../../lib/local/servers/binary';
import { startRedis, type RedisOptions } from '../../lib/local/servers/redis';
import type { ProcessServer } from '../../lib/local/servers/types';
import { ensureTensorModule, TENSOR_MODULE_SOURCE_DIR } from '../../lib/stores/tensor-module';

export type ModuleBuild = 'release' | 'asan';

export interface TensorServer {
  server: ProcessServer;
  redis: Redis;
  /** Stops the server (SIGTERM: a clean exit, when LeakSanitizer runs) and returns the sanitizer reports it wrote. */
  stop(): Promise<string[]>;
}

export interface TensorServerOptions extends Pick<RedisOptions, 'persistence' | 'dataDir' | 'password'> {
  build?: ModuleBuild;
  moduleArgs?: string[];
}

export function buildModule(build: ModuleBuild): string {
  if (build === 'release') return ensureTensorModule();
  execFileSync('make', ['-C', TENSOR_MODULE_SOURCE_DIR, 'asan'], { stdio: 'pipe' });
  return path.join(TENSOR_MODULE_SOURCE_DIR, 'build', 'mltrain_tensor_asan.so');
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

function writeWrapper(dir: string, build: ModuleBuild): string {
  const redisServer = findOnPath('redis-server');
  if (!redisServer) throw new Error('redis-server not found on PATH (apt-get install redis-server)');
  const env: string[] = [];
  if (build === 'asan') {
    const libasan = execFileSync('gcc', ['-print-file-name=libasan.so'], { encoding: 'utf8' }).trim();
    env.push(
      `LD_PRELOAD=${shellQuote(libasan)}`,
      `ASAN_OPTIONS=${shellQuote(`detect_leaks=1:log_path=${dir}/asan`)}`,
      `UBSAN_OPTIONS=${shellQuote(`print_stacktrace=1:halt_on_error=1:log_path=${dir}/ubsan`)}`,
    );
  }
  const script = path.join(dir, 'redis-server');
  const lines = ['#!/bin/sh', `${env.length ? `${env.join(' ')} ` : ''}exec ${shellQuote(redisServer)} "$@" --enable-debug-command local`];
  fs.writeFileSync(script, `${lines.join('\n')}\n`, { mode: 0o700 });
  return script;
}

function readReports(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.startsWith('asan') || f.startsWith('ubsan'))
    .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'));
}

export async function startTensorServer(opts: TensorServerOptions = {}): Promise<TensorServer> {
  const build = opts.build ?? 'release';
  const modulePath = buildModule(build);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tensor-redis-'));
  let server: ProcessServer;
  try {
    server = await startRedis({
      binary: writeWrapper(dir, build),
      modules: [{ path: modulePath, args: opts.moduleArgs }],
      persistence: opts.persistence,
      dataDir: opts.dataDir,
      password: opts.password,
      // Sanitizers slow the start and the final shutdown.
      startTimeoutMs: 20_000,
      stopTimeoutMs: 20_000,
    });
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const redis = new Redis({ host: '127.0.0.1', port: server.port, password: opts.password, lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  return {
    server,
    redis,
    async stop() {
      redis.disconnect();
      await server.stop();
      const reports = readReports(dir);
      fs.rmSync(dir, { recursive: true, force: true });
      return reports;
    },
  };
}

/** Float32 values from a seeded generator, spread over several orders of magnitude and both signs. */
export function randomTensor(rng: { next(): number; normal(): number }, length: number): Float32Array {
  const scales = [1e-3, 1e-2, 1e-1, 1, 10, 100];
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = rng.normal() * scales[(rng.next() * 6) | 0];
  return out;
}

/** The bytes of a Float32Array, for bit-exact comparisons (NaN payloads and -0 included). */
export function bitsOf(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/**
 * Bit-for-bit equality of two float32 vectors. Compares the bytes at C speed (jest's deep equality
 * walks a large Buffer element by element) and on a mismatch reports the first differing element.
 */
export function expectSameBits(actual: Float32Array, expected: Float32Array): void {
  expect(actual.length).toBe(expected.length);
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const b = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  if (bitsOf(actual).equals(bitsOf(expected))) return;
  const index = a.findIndex((bits, i) => bits !== b[i]);
  expect({ index, value: actual[index], bits: a[index] }).toEqual({ index, value: expected[index], bits: b[index] });
}

/** DEBUG DIGEST: one hash of every key, value (tensors through the module's digest callback) and expiry. */
export async function datasetDigest(redis: Redis): Promise<string> {
  return (await redis.call('DEBUG', 'DIGEST')) as string;
}

/** Sends a raw command; resolves to its reply (bulk strings as text) or to the Error the server answered with. */
export async function send(redis: Redis, command: string, ...args: (string | Buffer | number)[]): Promise<unknown> {
  return redis.call(command, args).catch((err: Error) => err);
}

/** The same with bulk strings as Buffers. */
export async function sendBuffer(redis: Redis, command: string, ...args: (string | Buffer | number)[]): Promise<unknown> {
  return redis.callBuffer(command, args).catch((err: Error) => err);
}
