import { createHash } from 'node:crypto';
import { createOptimizer, type FlatOptimizer, type OptimizerConfig } from '../ml/optimizers';
import { assertFinite, decodeTensor, encodeTensor, meanOf } from '../ml/tensor';
import { aborted, deadline, exhausted, invalid, notFound, precondition } from './errors';
import { MAX_PARAMS, type OptimizerConfigMessage } from './proto';

// What the parameter server holds and does, independent of gRPC: one model per run, synchronous
// updates. A step's update happens when all N workers have pushed their gradient for it: the mean,
// summed in rank order (so the result does not depend on arrival order), goes through the run's
// optimizer. Pulls wait for a version with a deadline, and a wait that ends names the workers it
// was waiting for, so a dead worker fails the run by name instead of hanging it.

const RUN_ID = /^[a-z0-9][a-z0-9-]{2,62}$/;
const MAX_WORKERS = 256;

export interface RegistryOptions {
  /** Longest Pull wait a client may ask for (Lambda's 15 minutes). */
  maxWaitMs?: number;
  /** Models nobody touched for this long are dropped (a run that died without deleting its model). */
  idleExpiryMs?: number;
  /** At most this many models at once; more is refused rather than exhausting memory. */
  maxModels?: number;
  now?: () => number;
}

export interface RegisterInput {
  runId: string;
  rank: number;
  numWorkers: number;
  numParams: number;
  optimizer: OptimizerConfigMessage | null;
  initialParams: Uint8Array;
}

export interface Registered {
  workerId: string;
  numParams: number;
  numWorkers: number;
  version: number;
  created: boolean;
}

export interface Pulled {
  version: number;
  params: Buffer;
  updateSeconds: number;
}

export interface Pushed {
  version: number;
  accepted: boolean;
  waitingFor: number[];
}

/** A pending Pull: resolved when the version is reached, rejected on timeout, delete or cancel. */
interface Waiter {
  minVersion: number;
  rank: number;
  resolve: (pulled: Pulled) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

interface RunModel {
  runId: string;
  numWorkers: number;
  numParams: number;
  optimizerConfig: OptimizerConfig;
  initialDigest: string;
  params: Float32Array;
  optimizer: FlatOptimizer;
  /** Updates applied; also the step whose gradients are being collected. */
  version: number;
  /** Gradients for step `version`, by rank. */
  pending: (Float32Array | undefined)[];
  registered: Set<number>;
  waiters: Set<Waiter>;
  lastActivity: number;
  lastUpdateSeconds: number;
}

export class ModelRegistry {
  private readonly models = new Map<string, RunModel>();
  readonly maxWaitMs: number;
  private readonly idleExpiryMs: number;
  private readonly maxModels: number;
  private readonly now: () => number;

  constructor(opts: RegistryOptions = {}) {
    this.maxWaitMs = opts.maxWaitMs ?? 15 * 60_000;
    this.idleExpiryMs = opts.idleExpiryMs ?? 60 * 60_000;
    this.maxModels = opts.maxModels ?? 32;
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.models.size;
  }

  register(input: RegisterInput): Registered {
    checkRunId(input.runId);
    if (!Number.isInteger(input.numWorkers) || input.numWorkers < 1 || input.numWorkers > MAX_WORKERS) {
      throw invalid(`num_workers must be 1..${MAX_WORKERS}, got ${input.numWorkers}`);
    }
    checkRank(input.rank, input.numWorkers);
    if (!Number.isInteger(input.numParams) || input.numParams < 1 || input.numParams > MAX_PARAMS) {
      throw invalid(`num_params must be 1..${MAX_PARAMS}, got ${input.numParams}`);
    }
    const optimizerConfig = toOptimizerConfig(input.optimizer);
    const initial = decodeChecked(input.initialParams, input.numParams, `initial_params of worker ${input.rank}`);
    const initialDigest = createHash('sha256').update(input.initialParams).digest('hex');
    const existing = this.models.get(input.runId);
    if (existing) {
      const mismatch = describeMismatch(existing, input, optimizerConfig, initialDigest);
      if (mismatch) throw precondition(`run ${input.runId} is registered with ${mismatch}`);
      existing.registered.add(input.rank);
      existing.lastActivity = this.now();
      return { workerId: workerId(input.runId, input.rank), numParams: existing.numParams, numWorkers: existing.numWorkers, version: existing.version, created: false };
    }
    if (this.models.size >= this.maxModels) {
      throw exhausted(`the server already holds ${this.models.size} models (its limit); delete finished runs or wait for idle ones to expire`);
    }
    let optimizer: FlatOptimizer;
    try {
      optimizer = createOptimizer(optimizerConfig, input.numParams);
    } catch (err) {
      throw invalid(`optimizer: ${(err as Error).message}`);
    }
    this.models.set(input.runId, {
      runId: input.runId, numWorkers: input.numWorkers, numParams: input.numParams, optimizerConfig, initialDigest,
      params: initial, optimizer, version: 0, pending: new Array(input.numWorkers), registered: new Set([input.rank]),
      waiters: new Set(), lastActivity: this.now(), lastUpdateSeconds: 0,
    });
    return { workerId: workerId(input.runId, input.rank), numParams: input.numParams, numWorkers: input.numWorkers, version: 0, created: true };
  }

  /** The parameters once version ≥ minVersion; waits up to waitMs (capped at maxWaitMs). */
  pull(runId: string, rank: number, minVersion: number, waitMs: number): { result: Promise<Pulled>; cancel: () => void } {
    const model = this.requireModel(runId, rank);
    model.lastActivity = this.now();
    if (model.version >= minVersion) return { result: Promise.resolve(snapshot(model)), cancel: () => undefined };
    if (minVersion > model.version + 1) {
      throw precondition(`worker ${rank} asked for version ${minVersion} of run ${runId}, but the model is at version ${model.version} and only the next update (to ${model.version + 1}) can be waited for`);
    }
    if (waitMs <= 0) throw precondition(`run ${runId} is at version ${model.version}, not yet ${minVersion}`);
    const waitFor = Math.min(waitMs, this.maxWaitMs);
    let waiter!: Waiter;
    const result = new Promise<Pulled>((resolve, reject) => {
      waiter = {
        minVersion, rank, resolve, reject,
        timer: setTimeout(() => {
          model.waiters.delete(waiter);
          reject(deadline(`${describeMissing(model, formatSeconds(waitFor))} (run ${runId}, worker ${rank} waited for version ${minVersion})`));
        }, waitFor),
      };
      model.waiters.add(waiter);
    });
    const cancel = () => {
      clearTimeout(waiter.timer);
      model.waiters.delete(waiter);
    };
    return { result, cancel };
  }

  push(runId: string, rank: number, step: number, gradientBytes: Uint8Array): Pushed {
    const model = this.requireModel(runId, rank);
    model.lastActivity = this.now();
    if (!Number.isInteger(step) || step < 0) throw invalid(`step must be a non-negative integer, got ${step}`);
    if (step < model.version) return { version: model.version, accepted: false, waitingFor: [] };
    if (step > model.version) {
      throw precondition(`worker ${rank} pushed a gradient for step ${step} of run ${runId}, but the model is at version ${model.version}: a gradient must be computed on the version it is pushed for`);
    }
    model.pending[rank] = decodeChecked(gradientBytes, model.numParams, `gradient of worker ${rank} for step ${step}`);
    const waitingFor = missingRanks(model);
    if (waitingFor.length === 0) this.apply(model);
    return { version: model.version, accepted: true, waitingFor };
  }

  delete(runId: string): boolean {
    checkRunId(runId);
    const model = this.models.get(runId);
    if (!model) return false;
    this.models.delete(runId);
    for (const w of model.waiters) {
      clearTimeout(w.timer);
      w.reject(aborted(`run ${runId} was deleted while worker ${w.rank} waited for version ${w.minVersion}`));
    }
    model.waiters.clear();
    return true;
  }

  /** Drops models idle for longer than idleExpiryMs; returns their run ids. */
  expireIdle(): string[] {
    const cutoff = this.now() - this.idleExpiryMs;
    // Collect first, then delete: never mutate the map while iterating it.
    const idle = [...this.models.values()].filter((m) => m.lastActivity < cutoff && m.waiters.size === 0).map((m) => m.runId);
    for (const runId of idle) this.delete(runId);
    return idle;
  }

  /** Ends every waiting pull (server shutdown). */
  close(): void {
    for (const runId of [...this.models.keys()]) this.delete(runId);
  }

  private apply(model: RunModel): void {
    const t0 = performance.now();
    const mean = meanOf(model.pending as Float32Array[]);
    model.optimizer.step(model.params, mean);
    model.version += 1;
    model.pending = new Array(model.numWorkers);
    model.lastUpdateSeconds = (performance.now() - t0) / 1000;
    const ready = [...model.waiters].filter((w) => w.minVersion <= model.version);
    if (ready.length === 0) return;
    const pulled = snapshot(model);
    for (const w of ready) {
      clearTimeout(w.timer);
      model.waiters.delete(w);
      w.resolve(pulled);
    }
  }

  private requireModel(runId: string, rank: number): RunModel {
    checkRunId(runId);
    const model = this.models.get(runId);
    if (!model) throw notFound(`run ${runId} has no model on this parameter server (never registered, deleted, or expired after being idle)`);
    checkRank(rank, model.numWorkers);
    if (!model.registered.has(rank)) throw precondition(`worker ${rank} has not registered with run ${runId}`);
    return model;
  }
}

function checkRunId(runId: string): void {
  if (!RUN_ID.test(runId)) throw invalid(`run_id "${runId}" is invalid: use 3-63 lowercase letters, digits and dashes`);
}

function checkRank(rank: number, numWorkers: number): void {
  if (!Number.isInteger(rank) || rank < 0 || rank >= numWorkers) throw invalid(`rank ${rank} is outside 0..${numWorkers - 1}`);
}

function workerId(runId: string, rank: number): string {
  return `${runId}/rank-${rank}`;
}

function toOptimizerConfig(msg: OptimizerConfigMessage | null): OptimizerConfig {
  if (!msg) throw invalid('optimizer is missing');
  if (msg.kind === 'sgd') return { kind: 'sgd', lr: msg.lr, momentum: msg.momentum, weightDecay: msg.weight_decay };
  if (msg.kind === 'adam') return { kind: 'adam', lr: msg.lr, weightDecay: msg.weight_decay };
  throw invalid(`optimizer.kind must be "sgd" or "adam", got "${msg.kind}"`);
}

function decodeChecked(bytes: Uint8Array, numParams: number, what: string): Float32Array {
  if (bytes.byteLength !== numParams * 4) {
    throw invalid(`${what} has ${bytes.byteLength} bytes; the model has ${numParams} float32 parameters (${numParams * 4} bytes)`);
  }
  const values = decodeTensor(bytes, numParams);
  try {
    assertFinite(values, what);
  } catch (err) {
    throw invalid((err as Error).message);
  }
  return values;
}

function describeMismatch(m: RunModel, input: RegisterInput, optimizer: OptimizerConfig, digest: string): string | undefined {
  if (m.numWorkers !== input.numWorkers) return `${m.numWorkers} workers, worker ${input.rank} says ${input.numWorkers}`;
  if (m.numParams !== input.numParams) return `${m.numParams} parameters, worker ${input.rank} says ${input.numParams}`;
  if (JSON.stringify(m.optimizerConfig) !== JSON.stringify(optimizer)) {
    return `optimizer ${JSON.stringify(m.optimizerConfig)}, worker ${input.rank} says ${JSON.stringify(optimizer)}`;
  }
  if (m.initialDigest !== digest) return `other initial parameters than worker ${input.rank}'s (different seed or model?)`;
  return undefined;
}

function missingRanks(m: RunModel): number[] {
  const missing: number[] = [];
  for (let r = 0; r < m.numWorkers; r++) if (!m.pending[r]) missing.push(r);
  return missing;
}

function describeMissing(m: RunModel, waited: string): string {
  const missing = missingRanks(m);
  const never = missing.filter((r) => !m.registered.has(r));
  const silent = missing.filter((r) => m.registered.has(r));
  const parts: string[] = [];
  if (silent.length) parts.push(`${plural('worker', silent)} ${silent.join(', ')} sent no gradient for step ${m.version} within ${waited}`);
  if (never.length) parts.push(`${plural('worker', never)} ${never.join(', ')} never registered within ${waited}`);
  return parts.join('; ');
}

const plural = (word: string, items: unknown[]): string => (items.length > 1 ? `${word}s` : word);

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

function snapshot(m: RunModel): Pulled {
  return { version: m.version, params: encodeTensor(m.params), updateSeconds: m.lastUpdateSeconds };
}
