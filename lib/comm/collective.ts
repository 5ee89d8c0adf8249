import { assertFinite, decodeTensor, encodeTensor, meanOf } from '../ml/tensor';
import type { ObjectStore } from '../stores/types';
import { pollLoad } from '../stores/wait';
import { WaitTimeoutError } from '../util/wait';

// The one synchronous collective behind LambdaML's AllReduce and ScatterReduce: the gradient is
// cut into chunks, each chunk has an owner; every worker writes the chunks it does not own, each
// owner waits for its chunk from every other worker, averages them in rank order and writes the
// merged chunk; every worker reads the merged chunks it does not own. AllReduce is the plan with
// one chunk owned by worker 0; ScatterReduce the plan with N chunks, chunk r owned by worker r.
// Both average every element over the same workers in the same order, in float64 with one final
// rounding (meanOf), so they give bit-identical means.

export interface CollectiveOptions {
  store: ObjectStore;
  /** Key prefix for this run's synchronisation objects, e.g. runs/<runId>/sync/ */
  prefix: string;
  rank: number;
  numWorkers: number;
  timeoutMs: number;
  /** Throws when the run has been failed by someone else, so waits end early. */
  checkAbort: () => Promise<void>;
  /**
   * How long a wait may still last before the caller must stop to hand over (Lambda's time limit).
   * A wait cut short by it throws OutOfTimeError instead of blaming a peer.
   */
  waitBudgetMs?: () => number;
  /** Longest pause between two polls of a key not there yet (default 25 ms: steps take tens of ms). */
  pollMaxDelayMs?: number;
}

/** The invocation's time ran out during a wait: redo the step in the next invocation. */
export class OutOfTimeError extends Error {
  constructor(what: string) {
    super(`the invocation's time ran out while waiting for ${what}`);
    this.name = 'OutOfTimeError';
  }
}

export class MissingWorkerError extends Error {
  constructor(readonly ranks: number[], step: string, timeoutMs: number) {
    super(`worker${ranks.length > 1 ? 's' : ''} ${ranks.join(', ')} sent no gradient for ${step} within ${Math.round(timeoutMs / 1000)} s`);
    this.name = 'MissingWorkerError';
  }
}

export class BadGradientError extends Error {
  constructor(readonly rank: number, step: string, problem: string) {
    super(`gradient from worker ${rank} for ${step} is unusable: ${problem}`);
    this.name = 'BadGradientError';
  }
}

/** What a re-invoked worker needs to carry on cleaning up where its predecessor stopped. */
export interface CommunicatorState {
  /** Merged chunks of the previous step this worker published: deleted once everyone has read them. */
  previousMerged?: string[];
  /** Async SGD: the exchanges this worker has published (its accumulated update is its latest slot). */
  asyncVersion?: number;
  /** Async SGD: the step whose update is published but whose shared model was not read yet (a hand-over in between). */
  asyncPublishedStep?: string;
}

/** A synchronous collective: every worker calls mean() with its gradient for the same step. */
export interface GradientCommunicator {
  /** The element-wise mean over all workers of `gradient`; every worker gets the same bits. */
  mean(step: string, gradient: Float32Array): Promise<Float32Array>;
  exportState(): CommunicatorState;
  importState(state: CommunicatorState): void;
}

export interface Chunk {
  index: number;
  start: number;
  end: number;
  owner: number;
}

/** How a collective cuts the gradient, who owns what, and what the keys are called. */
export interface ChunkPlan {
  chunks(length: number, numWorkers: number): Chunk[];
  /** Key of chunk `index` as `sender` wrote it, under the step's prefix. */
  sentKey(stepPrefix: string, index: number, sender: number): string;
  mergedKey(stepPrefix: string, index: number): string;
  /** Names a merged chunk in an error message. */
  describeMerged(step: string, chunk: Chunk): string;
}

export class ChunkedCollective implements GradientCommunicator {
  private previousMerged: string[] = [];
  private readonly checkAbort: () => Promise<void>;

  constructor(private readonly opts: CollectiveOptions, private readonly plan: ChunkPlan) {
    if (!Number.isInteger(opts.numWorkers) || opts.numWorkers < 1) throw new Error(`numWorkers must be a positive whole number, got ${opts.numWorkers}`);
    if (!Number.isInteger(opts.rank) || opts.rank < 0 || opts.rank >= opts.numWorkers) {
      throw new Error(`rank ${opts.rank} is outside 0..${opts.numWorkers - 1}`);
    }
    // Many waits run at once (one per peer in ScatterReduce): one look at the run's status serves them all.
    this.checkAbort = shareRecentCall(opts.checkAbort, 500);
  }

  async mean(step: string, gradient: Float32Array): Promise<Float32Array> {
    const { store, rank } = this.opts;
    const stepPrefix = `${this.opts.prefix}${step}/`;
    const chunks = this.plan.chunks(gradient.length, this.opts.numWorkers);
    const mine = chunks.filter((c) => c.owner === rank);
    const theirs = chunks.filter((c) => c.owner !== rank);

    await Promise.all(theirs.map((c) => store.save(this.plan.sentKey(stepPrefix, c.index, rank), encodeTensor(gradient.subarray(c.start, c.end)))));

    const result = new Float32Array(gradient.length);
    const consumed: string[] = [];
    for (const chunk of mine) {
      const gathered = await this.gather(step, stepPrefix, chunk, gradient);
      const mean = meanOf(gathered);
      await store.save(this.plan.mergedKey(stepPrefix, chunk.index), encodeTensor(mean));
      result.set(mean, chunk.start);
      for (let sender = 0; sender < this.opts.numWorkers; sender++) if (sender !== rank) consumed.push(this.plan.sentKey(stepPrefix, chunk.index, sender));
    }

    for (const [chunk, bytes] of await this.readMerged(step, stepPrefix, theirs)) result.set(decodeTensor(bytes, chunk.end - chunk.start), chunk.start);

    // Only now, with nothing left to wait for in this step, may its inputs go: a worker handing
    // over mid-step redoes the step and needs them again. Everyone has sent its chunks for this
    // step, so everyone has read this worker's merged chunks of the previous one.
    const stale = [...consumed, ...this.previousMerged];
    if (stale.length) await store.delete(stale);
    this.previousMerged = mine.map((c) => this.plan.mergedKey(stepPrefix, c.index));
    return result;
  }

  /** Chunk `chunk` from every worker, in rank order (this worker's own from memory). */
  private async gather(step: string, stepPrefix: string, chunk: Chunk, own: Float32Array): Promise<Float32Array[]> {
    const senders = Array.from({ length: this.opts.numWorkers }, (_, r) => r).filter((r) => r !== this.opts.rank);
    const arrived = await this.waitForAll(senders.map((sender) => ({
      key: this.plan.sentKey(stepPrefix, chunk.index, sender), what: `worker ${sender}'s gradient`,
    })));
    const missing = senders.filter((sender) => !arrived.has(this.plan.sentKey(stepPrefix, chunk.index, sender)));
    if (missing.length) throw new MissingWorkerError(missing, step, this.opts.timeoutMs); // everyone missing, at once
    const gathered: Float32Array[] = new Array(this.opts.numWorkers);
    gathered[this.opts.rank] = own.subarray(chunk.start, chunk.end);
    for (const sender of senders) {
      gathered[sender] = decodeGradient(arrived.get(this.plan.sentKey(stepPrefix, chunk.index, sender))!, sender, step, chunk.end - chunk.start);
    }
    return gathered;
  }

  /** The merged chunks this worker does not own; a missing one ends the wait with an error naming it. */
  private async readMerged(step: string, stepPrefix: string, chunks: Chunk[]): Promise<Map<Chunk, Buffer>> {
    const wanted = chunks.map((chunk) => ({ chunk, key: this.plan.mergedKey(stepPrefix, chunk.index), what: this.plan.describeMerged(step, chunk) }));
    const arrived = await this.waitForAll(wanted);
    const missing = wanted.find((w) => !arrived.has(w.key));
    if (missing) throw new WaitTimeoutError(missing.what, this.opts.timeoutMs);
    return new Map(wanted.map((w) => [w.chunk, arrived.get(w.key)!]));
  }

  /**
   * Loads every key, waiting (bounded, with back-off) for those not there yet. Only one missing
   * key is polled at a time, the others are read again once it arrives: N−1 workers polling N−1
   * keys each would flood the store with misses. Keys still missing at the deadline are left out
   * of the answer; a deadline set by the invocation's time throws OutOfTimeError instead.
   */
  private async waitForAll(wanted: { key: string; what: string }[]): Promise<Map<string, Buffer>> {
    const budget = this.opts.waitBudgetMs?.() ?? Infinity;
    const deadline = Date.now() + Math.max(0, Math.min(this.opts.timeoutMs, budget));
    const arrived = new Map<string, Buffer>();
    let pending = wanted;
    for (;;) {
      pending = pending.filter((w) => !arrived.has(w.key));
      const values = await Promise.all(pending.map((w) => this.opts.store.load(w.key)));
      values.forEach((value, i) => { if (value !== undefined) arrived.set(pending[i].key, value); });
      pending = pending.filter((w) => !arrived.has(w.key));
      if (pending.length === 0) return arrived;
      const left = deadline - Date.now();
      if (left <= 0) {
        if (budget < this.opts.timeoutMs) throw new OutOfTimeError(pending[0].what);
        return arrived;
      }
      const first = pending[0];
      try {
        arrived.set(first.key, await pollLoad(first.key, (k) => this.opts.store.load(k), {
          timeoutMs: left,
          // Steps take tens of milliseconds: a coarse back-off would dominate them.
          initialDelayMs: 1,
          maxDelayMs: this.opts.pollMaxDelayMs ?? 25,
          checkAbort: this.checkAbort,
        }));
      } catch (err) {
        if (!(err instanceof WaitTimeoutError)) throw err; // a last look at every key follows
      }
    }
  }

  exportState(): CommunicatorState {
    return { previousMerged: [...this.previousMerged] };
  }

  importState(state: CommunicatorState): void {
    this.previousMerged = [...(state.previousMerged ?? [])];
  }
}

function decodeGradient(bytes: Buffer, rank: number, step: string, length: number): Float32Array {
  try {
    const gradient = decodeTensor(bytes, length);
    assertFinite(gradient, `gradient of worker ${rank}`);
    return gradient;
  } catch (err) {
    throw new BadGradientError(rank, step, (err as Error).message);
  }
}

/** Calls made within `windowMs` of the last one share its result instead of calling again. */
export function shareRecentCall(call: () => Promise<void>, windowMs: number): () => Promise<void> {
  let last: { at: number; result: Promise<void> } | undefined;
  return () => {
    if (!last || Date.now() - last.at >= windowMs) last = { at: Date.now(), result: call() };
    return last.result;
  };
}
