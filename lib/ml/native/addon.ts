/**
 * Loads the native engine's Node-API addon (native/ in the repository, built by npm ci) once per
 * process. Where it is looked for, first match wins: MLTRAIN_NATIVE_ADDON, the repository's build
 * directory, and the Lambda layer (/opt/native, its libraries in /opt/lib).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nativeThreadCount } from './threads';

export const ADDON_ENV_VAR = 'MLTRAIN_NATIVE_ADDON';
const ADDON_FILE = 'mltrain_native.node';
export const BUILD_HINT = 'npm run build:native (needs g++, make, libdnnl-dev and libopenblas-dev; mltrain doctor --fix installs them)';

/** The functions native/src/addon.cc exports. */
export interface NativeAddon {
  create(layers: Int32Array, loss: number, classes: number): unknown;
  numParams(handle: unknown): number;
  gradient(handle: unknown, params: Float32Array, x: Float32Array, labels: Int32Array, count: number, grad: Float32Array): number;
  evaluate(handle: unknown, params: Float32Array, x: Float32Array, labels: Int32Array, count: number): [number, number];
  destroy(handle: unknown): void;
  /** Fused optimizer steps (native/src/optimizer.cc): -1, or the index of a non-finite gradient value (nothing changed). */
  sgdStep(params: Float32Array, grad: Float32Array, velocity: Float32Array | null, lr: number, momentum: number, weightDecay: number, nesterov: boolean): number;
  adamStep(params: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, lr: number, beta1: number, beta2: number, epsilon: number, weightDecay: number, correction1: number, correction2: number): number;
  setThreads(threads: number): number;
  /** Graph networks (native/src/graph.h, lib/ml/native/paper-graph.ts). */
  createGraph(ops: Int32Array, image: Int32Array, classes: number): unknown;
  /** [parameters, batch-norm statistics, dropout values per sample] */
  graphSizes(handle: unknown): [number, number, number];
  graphGradient(handle: unknown, params: Float32Array, x: Float32Array, count: number, labels: Int32Array, grad: Float32Array, dropoutMask: Float32Array | null): number;
  graphEvaluate(handle: unknown, params: Float32Array, x: Float32Array, count: number, labels: Int32Array, populationStats: Float32Array): [number, number];
  graphBatchStatistics(handle: unknown, params: Float32Array, x: Float32Array, count: number, stats: Float32Array): void;
  destroyGraph(handle: unknown): void;
  versions(): string;
}

export interface NativeEngine {
  addon: NativeAddon;
  file: string;
  threads: number;
  versions: string;
}

let loaded: { engine?: NativeEngine; reason?: string } | undefined;

export function addonCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const explicit = env[ADDON_ENV_VAR];
  if (explicit) return [explicit];
  // lib/ml/native -> repository root; in a bundle __dirname is elsewhere and the layer path applies.
  return [path.resolve(__dirname, '..', '..', '..', 'native', 'build', ADDON_FILE), path.join('/opt/native', ADDON_FILE)];
}

function firstLine(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return (typeof message === 'string' ? message : String(error)).split('\n')[0];
}

/** The first addon file that exists, without loading it (undefined: not built here). */
export function builtAddonFile(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return addonCandidates(env).find((c) => fs.existsSync(c));
}

function load(): { engine?: NativeEngine; reason?: string } {
  const file = builtAddonFile();
  if (file === undefined) return { reason: `addon not built (no ${addonCandidates().join(' or ')}); build it with ${BUILD_HINT}` };
  try {
    // OpenMP reads this when the addon loads it. Idle threads that sleep instead of spinning: on a
    // shared machine a spinning thread takes the core the next step's other thread needs.
    process.env.OMP_WAIT_POLICY ??= 'PASSIVE';
    // process.dlopen, not require: bundlers leave it alone and the path may be anywhere.
    const holder = { exports: {} as NativeAddon };
    process.dlopen(holder, file);
    const threads = holder.exports.setThreads(nativeThreadCount());
    return { engine: { addon: holder.exports, file, threads, versions: holder.exports.versions() } };
  } catch (error) {
    return { reason: `addon ${file} does not load (${firstLine(error)}); rebuild it with ${BUILD_HINT}` };
  }
}

/** The engine, or why it cannot be used; loaded once, the answer is kept (retry: try again after a failure, e.g. once built). */
export function loadNativeEngine(opts: { retry?: boolean } = {}): { engine?: NativeEngine; reason?: string } {
  if (loaded === undefined || (opts.retry && loaded.engine === undefined)) loaded = load();
  return loaded;
}

/** The engine if this process has already loaded it, without trying to load it. */
export function loadedNativeEngine(): NativeEngine | undefined {
  return loaded?.engine;
}
