import { decodeTensor, encodeTensor, assertFinite, meanOf } from '../ml/tensor';
import type { ObjectStore } from '../stores/types';
import { WaitTimeoutError } from '../util/wait';
import { pollLoad } from '../stores/wait';

// LambdaML's AllReduce over a storage channel: every worker writes its gradient, worker 0 gathers
// all N, writes the mean, and everyone reads it back. Worker 0 keeps its own gradient in memory.

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

export const allReduceKeys = (prefix: string, step: string) => ({
  gradient: (rank: number) => `${prefix}${step}/grad-${rank}.f32`,
  merged: `${prefix}${step}/merged.f32`,
});

export class AllReduceCommunicator {
  /** The merged key of the previous step: deleted once everyone has provably read it. */
  private previousMerged: string | undefined;

  constructor(private readonly opts: CollectiveOptions) {
    if (!Number.isInteger(opts.rank) || opts.rank < 0 || opts.rank >= opts.numWorkers) {
      throw new Error(`rank ${opts.rank} is outside 0..${opts.numWorkers - 1}`);
    }
  }

  /** The element-wise mean over all workers of `gradient`, in rank order (deterministic). */
  async mean(step: string, gradient: Float32Array): Promise<Float32Array> {
    const keys = allReduceKeys(this.opts.prefix, step);
    if (this.opts.rank !== 0) {
      await this.opts.store.save(keys.gradient(this.opts.rank), encodeTensor(gradient));
      const merged = await this.wait(keys.merged, `the merged gradient of ${step} from worker 0`);
      return decodeTensor(merged, gradient.length);
    }
    const gathered = await this.gather(step, gradient);
    const mean = meanOf(gathered);
    await this.opts.store.save(keys.merged, encodeTensor(mean));
    // Everyone has sent its gradient for this step, so everyone has read the previous merged one.
    const stale = gathered.slice(1).map((_, i) => keys.gradient(i + 1));
    if (this.previousMerged) stale.push(this.previousMerged);
    await this.opts.store.delete(stale);
    this.previousMerged = keys.merged;
    return mean;
  }

  private async gather(step: string, own: Float32Array): Promise<Float32Array[]> {
    const keys = allReduceKeys(this.opts.prefix, step);
    const gathered: Float32Array[] = new Array(this.opts.numWorkers);
    gathered[0] = own;
    const waits = [];
    for (let rank = 1; rank < this.opts.numWorkers; rank++) {
      waits.push(this.wait(keys.gradient(rank), `worker ${rank}'s gradient`).then(
        (bytes) => { gathered[rank] = this.decodeGradient(bytes, rank, step, own.length); },
        (err: unknown) => { if (!(err instanceof WaitTimeoutError)) throw err; }, // a missing worker: reported below, all at once
      ));
    }
    await Promise.all(waits);
    const missing = [];
    for (let rank = 1; rank < this.opts.numWorkers; rank++) if (!gathered[rank]) missing.push(rank);
    if (missing.length) throw new MissingWorkerError(missing, step, this.opts.timeoutMs);
    return gathered;
  }

  private decodeGradient(bytes: Buffer, rank: number, step: string, length: number): Float32Array {
    try {
      const gradient = decodeTensor(bytes, length);
      assertFinite(gradient, `gradient of worker ${rank}`);
      return gradient;
    } catch (err) {
      throw new BadGradientError(rank, step, (err as Error).message);
    }
  }

  private wait(key: string, what: string): Promise<Buffer> {
    const budget = this.opts.waitBudgetMs?.() ?? Infinity;
    const timeoutMs = Math.max(0, Math.min(this.opts.timeoutMs, budget));
    return pollLoad(key, (k) => this.opts.store.load(k), {
      timeoutMs,
      // Steps take tens of milliseconds: a coarse back-off would dominate them.
      initialDelayMs: 1,
      maxDelayMs: 25,
      checkAbort: this.opts.checkAbort,
    }).catch((err: unknown) => {
      if (!(err instanceof WaitTimeoutError)) throw err;
      if (budget < this.opts.timeoutMs) throw new OutOfTimeError(what);
      throw new WaitTimeoutError(what, this.opts.timeoutMs);
    });
  }

  /** State a re-invoked worker needs to carry on cleaning up where its predecessor stopped. */
  exportState(): { previousMerged?: string } {
    return { previousMerged: this.previousMerged };
  }

  importState(state: { previousMerged?: string }): void {
    this.previousMerged = state.previousMerged;
  }
}
