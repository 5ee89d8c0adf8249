/**
 * Chooses and verifies the TensorFlow.js backend once per process: tfjs-node when it loads (it is
 * an optional dependency that usually cannot install), else wasm (SIMD, single thread), else the
 * slow pure-JS cpu backend. tfjs silently falls back to cpu when the wasm files are missing, so
 * the chosen backend is checked afterwards and reported, never assumed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerConv2dGradient } from './conv2d-grad';
import { registerDepthwiseGradient } from './depthwise-grad';
import { registerMatMulGradient } from './matmul-grad';
import { loadNativeEngine } from './native/addon';

export type BackendPreference = 'auto' | 'tfjs-node' | 'native' | 'wasm' | 'cpu';
/** 'native': the models compute on the native engine (lib/ml/native); other tfjs work runs on wasm. */
export type BackendName = 'tensorflow' | 'native' | 'wasm' | 'cpu';

export interface BackendInfo {
  name: BackendName;
  detail: string;
}

export const BACKEND_ENV_VAR = 'MLTRAIN_TF_BACKEND';
/** When set, the only directory searched for the .wasm files. */
export const WASM_DIR_ENV_VAR = 'MLTRAIN_WASM_DIR';
const PREFERENCES: readonly BackendPreference[] = ['auto', 'tfjs-node', 'native', 'wasm', 'cpu'];
const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm'];
const WASM_PACKAGE_DIST = path.join('node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');

let pending: Promise<BackendInfo> | undefined;
let chosen: BackendInfo | undefined;

/** The environment variable, when set, overrides what the code asked for. */
export function resolvePreference(requested: BackendPreference, env: NodeJS.ProcessEnv = process.env): BackendPreference {
  const fromEnv = env[BACKEND_ENV_VAR];
  const preference = fromEnv === undefined || fromEnv === '' ? requested : fromEnv;
  if (!PREFERENCES.includes(preference as BackendPreference)) {
    const source = preference === requested ? 'backend preference' : BACKEND_ENV_VAR;
    throw new Error(`${source} must be one of ${PREFERENCES.join(', ')}, got '${preference}'`);
  }
  return preference as BackendPreference;
}

/**
 * Where the .wasm files may be, first match wins: beside an esbuild bundle, in a node_modules
 * beside it, in the Lambda task root or a layer, and finally the installed package.
 */
export function wasmDirCandidates(baseDir: string = __dirname, env: NodeJS.ProcessEnv = process.env): string[] {
  const explicit = env[WASM_DIR_ENV_VAR];
  if (explicit) return [explicit];
  const candidates = [baseDir, path.join(baseDir, WASM_PACKAGE_DIST)];
  const taskRoot = env.LAMBDA_TASK_ROOT;
  if (taskRoot) candidates.push(taskRoot, path.join(taskRoot, WASM_PACKAGE_DIST));
  candidates.push(path.join('/opt/nodejs', WASM_PACKAGE_DIST)); // Lambda layer layout
  try {
    candidates.push(path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist'));
  } catch {
    // Not resolvable inside a bundle without node_modules; the other candidates cover that.
  }
  return candidates;
}

/** The first directory that holds the wasm binaries, or undefined. */
export function findWasmDir(candidates: readonly string[]): string | undefined {
  return candidates.find((dir) => WASM_FILES.every((file) => fs.existsSync(path.join(dir, file))));
}

function errorMessage(error: unknown): string {
  // Not instanceof Error: errors thrown in another realm (jest's sandbox, vm) fail that test.
  const message = (error as { message?: unknown } | null)?.message;
  return (typeof message === 'string' ? message : String(error)).split('\n')[0];
}

/** The native packages tried, in order, for the tensorflow backend (the GPU trainer puts -gpu first). */
export const DEFAULT_NATIVE_MODULES: readonly string[] = ['@tensorflow/tfjs-node'];

export interface BackendOptions {
  /** Packages that register the native `tensorflow` backend, tried in order; the first that loads wins. */
  nativeModules?: readonly string[];
}

/** Loads an optional native backend package; returns why it could not, or undefined when it loaded. */
export function tfjsNodeLoadError(moduleName = '@tensorflow/tfjs-node'): string | undefined {
  try {
    require(moduleName); // a variable, so bundlers leave these optional modules out
    return undefined;
  } catch (error) {
    return `${moduleName.replace('@tensorflow/', '')} not loadable (${errorMessage(error)})`;
  }
}

async function tryTfjsNode(nativeModules: readonly string[]): Promise<BackendInfo | string> {
  const reasons: string[] = [];
  for (const moduleName of nativeModules) {
    const loadError = tfjsNodeLoadError(moduleName);
    if (loadError !== undefined) {
      reasons.push(loadError);
      continue;
    }
    if ((await tf.setBackend('tensorflow')) && tf.getBackend() === 'tensorflow') {
      return { name: 'tensorflow', detail: `native libtensorflow via ${moduleName}` };
    }
    reasons.push(`${moduleName} loaded but backend is ${tf.getBackend()}`);
  }
  return reasons.join('; ');
}

async function tryWasm(): Promise<BackendInfo | string> {
  const candidates = wasmDirCandidates();
  const dir = findWasmDir(candidates);
  if (dir === undefined) return `wasm files (${WASM_FILES.join(', ')}) not found in ${candidates.join(', ')}`;
  try {
    setWasmPaths(dir + '/');
  } catch (error) {
    // Already initialised elsewhere (tf.ready()); the check below tells whether that worked.
    process.stderr.write(`tfjs backend: setWasmPaths ignored: ${errorMessage(error)}\n`);
  }
  if (!(await tf.setBackend('wasm'))) return `wasm failed to initialise from ${dir} (tfjs logged why above)`;
  if (tf.getBackend() !== 'wasm') return `wasm initialised from ${dir} but tfjs reports backend ${tf.getBackend()}`;
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  return { name: 'wasm', detail: `${simd ? 'simd' : 'no simd'}, files from ${dir}` };
}

async function useCpu(reasons: string[]): Promise<BackendInfo> {
  if (!(await tf.setBackend('cpu')) || tf.getBackend() !== 'cpu') {
    throw new Error(`tfjs cpu backend did not initialise (tfjs is on ${tf.getBackend()})`);
  }
  return { name: 'cpu', detail: reasons.length > 0 ? `fallback: ${reasons.join('; ')}` : 'requested' };
}

/** The native engine for the models, with tfjs itself on wasm (or cpu) for everything else. */
async function tryNative(): Promise<BackendInfo | string> {
  const { engine, reason } = loadNativeEngine();
  if (engine === undefined) return `native engine not in use: ${reason}`;
  const tfjs = await tryWasm();
  const under = typeof tfjs === 'string' ? (await useCpu([tfjs])).name : tfjs.name;
  return { name: 'native', detail: `${engine.versions}; ${engine.threads} thread(s); ${engine.file}; other tfjs work on ${under}` };
}

async function selectBackend(preference: BackendPreference, nativeModules: readonly string[]): Promise<BackendInfo> {
  const reasons: string[] = [];
  if (preference === 'auto' || preference === 'tfjs-node') {
    const result = await tryTfjsNode(nativeModules);
    if (typeof result !== 'string') return result;
    if (preference === 'tfjs-node') throw new Error(`backend tfjs-node requested but ${result}`);
    reasons.push(result);
  }
  if (preference === 'auto' || preference === 'native') {
    const result = await tryNative();
    if (typeof result !== 'string') return result;
    if (preference === 'native') throw new Error(`backend native requested but ${result}`);
    process.stderr.write(result + '\n'); // the one line that says why the models run on wasm
  }
  if (preference === 'auto' || preference === 'wasm') {
    const result = await tryWasm();
    if (typeof result !== 'string') return result;
    if (preference === 'wasm') throw new Error(`backend wasm requested but ${result}`);
    reasons.push(result);
  }
  return useCpu(reasons);
}

function matchesPreference(info: BackendInfo, preference: BackendPreference): boolean {
  if (preference === 'auto') return true;
  return preference === (info.name === 'tensorflow' ? 'tfjs-node' : info.name);
}

export function describeBackend(info: BackendInfo): string {
  return `tfjs backend: ${info.name} (${info.detail})`;
}

/** Runs the selection once and registers the replacement gradients the wasm and cpu backends need. */
function selectOnce(preference: BackendPreference, nativeModules: readonly string[]): Promise<BackendInfo> {
  if (pending === undefined) {
    pending = selectBackend(preference, nativeModules).then(
      (info) => {
        if (info.name !== 'tensorflow') {
          registerConv2dGradient();
          registerDepthwiseGradient();
          registerMatMulGradient();
        }
        chosen = info;
        process.stderr.write(describeBackend(info) + '\n');
        return info;
      },
      (error: unknown) => {
        pending = undefined; // let a caller retry with another preference
        throw error;
      },
    );
  }
  return pending;
}

/**
 * Selects the backend once per process; later calls return the same result (and reject if they
 * explicitly ask for a different backend). Logs one line to stderr.
 */
export async function initBackend(requested: BackendPreference = 'auto', opts: BackendOptions = {}): Promise<BackendInfo> {
  const preference = resolvePreference(requested);
  const info = await selectOnce(preference, opts.nativeModules ?? DEFAULT_NATIVE_MODULES);
  if (!matchesPreference(info, preference)) {
    throw new Error(`backend ${preference} requested but the process already runs on ${info.name}`);
  }
  return info;
}

/** The backend chosen by initBackend, or undefined before it has finished. */
export function currentBackend(): BackendInfo | undefined {
  return chosen;
}
