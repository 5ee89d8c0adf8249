import { assertFinite, decodeTensor, encodeTensor } from '../ml/tensor';
import { waitFor, WaitTimeoutError } from '../util/wait';
import { BadGradientError, OutOfTimeError, shareRecentCall, type CollectiveOptions, type CommunicatorState } from './collective';

// Asynchronous SGD over a storage channel: a shared model every worker reads, modifies and writes
// without waiting for the others. The shared model is the initial model plus the mean over the
// workers of everything each has applied to it. It is kept as one slot per worker, each holding
// that worker's accumulated update, written only by its owner: a read-modify-write of one shared
// object would lose updates whenever two workers overlap (LambdaML's "last writer wins"), and no
// store here offers the same compare-and-swap. A slot is a new key per version, so a reader
// never sees a half-written one; each worker keeps its two latest versions and deletes older ones.
//
// Staleness: a worker reads the others' latest slots, which may be some exchanges old. With
// maxStaleness k, a worker at exchange v waits (bounded) until every other worker has published
// exchange v − k; with k = 0 every exchange sees everyone's previous one. The default, Infinity,
// never waits: a worker that has published nothing yet counts as no update.
//
// Without a barrier workers drift apart, by more than --sync-timeout on a loaded machine: a worker
// that is behind but still publishing is waited for; one that publishes nothing new for a whole
// timeout is named as gone.

export interface AsyncOptions extends CollectiveOptions {
  /** The model every worker starts from (same seed, same bits). */
  initial: Float32Array;
  /** How many exchanges a worker may be ahead of the slowest before it waits for it. */
  maxStaleness?: number;
}

const VERSIONS_KEPT = 2;

export class AsyncCommunicator {
  private version = 0;
  /** Each worker's latest published version as last listed: a wait that sees it grow keeps waiting. */
  private readonly known: number[];
  private readonly accumulated: Float64Array;
  private readonly maxStaleness: number;
  private readonly checkAbort: () => Promise<void>;

  constructor(private readonly opts: AsyncOptions) {
    this.checkAbort = shareRecentCall(opts.checkAbort, 500);
    if (!Number.isInteger(opts.rank) || opts.rank < 0 || opts.rank >= opts.numWorkers) {
      throw new Error(`rank ${opts.rank} is outside 0..${opts.numWorkers - 1}`);
    }
    this.maxStaleness = opts.maxStaleness ?? Infinity;
    if (!(this.maxStaleness >= 0)) throw new Error(`maxStaleness must be 0 or more, got ${opts.maxStaleness}`);
    this.accumulated = new Float64Array(opts.initial.length);
    this.known = new Array<number>(opts.numWorkers).fill(0);
  }

  /**
   * Applies `update` (e.g. −lr × gradient) to the shared model and returns the shared model as it
   * now stands: initial + mean over workers of their accumulated updates, own one included.
   */
  async exchange(update: Float32Array): Promise<Float32Array> {
    await this.publish(update);
    return this.readShared();
  }

  /** The first half of exchange(): adds `update` to this worker's slot, as a new version. */
  async publish(update: Float32Array): Promise<void> {
    const { store, rank, initial } = this.opts;
    if (update.length !== initial.length) throw new Error(`update has ${update.length} values, the model ${initial.length}`);
    assertFinite(update, `update of worker ${rank}`);
    for (let i = 0; i < update.length; i++) this.accumulated[i] += update[i];
    this.version += 1;
    await store.save(this.slotKey(rank, this.version), encodeTensor(Float32Array.from(this.accumulated)));
    if (this.version > VERSIONS_KEPT) await store.delete([this.slotKey(rank, this.version - VERSIONS_KEPT)]);
  }

  /**
   * The second half: the shared model from the others' latest slots, waiting (bounded) for those
   * more than maxStaleness behind, and never past the invocation's time (OutOfTimeError: the next
   * invocation reads again, without publishing again).
   */
  async readShared(): Promise<Float32Array> {
    const { rank, numWorkers } = this.opts;
    const own = Float32Array.from(this.accumulated);
    const budget = Math.max(0, this.opts.waitBudgetMs?.() ?? Infinity);
    const slots = await Promise.all(Array.from({ length: numWorkers }, (_, worker) => (worker === rank ? own : this.readSlot(worker, budget))));
    return this.sharedModel(slots);
  }

  /**
   * The shared model once every worker has published as many exchanges as this one (its last;
   * equal shards make it the same count for all): the same bits on every worker, so a run ends
   * with one model.
   */
  async settle(): Promise<Float32Array> {
    const { store, numWorkers, initial } = this.opts;
    const version = this.version;
    // Bounded by the invocation's time too: the caller hands over and settles in the next one.
    const budget = Math.max(0, this.opts.waitBudgetMs?.() ?? Infinity);
    const slots = await Promise.all(Array.from({ length: numWorkers }, (_, worker) => this.awaitWorker(worker, `worker ${worker}'s last update (${version})`, async () => {
      await this.checkAbort();
      const bytes = await store.load(this.slotKey(worker, version));
      return bytes && decodeTensor(bytes, initial.length);
    }, budget)));
    return this.sharedModel(slots);
  }

  exportState(): CommunicatorState {
    return { asyncVersion: this.version };
  }

  /** Resumes after a hand-over: the accumulated update is this worker's own latest slot. */
  async importState(state: CommunicatorState): Promise<void> {
    this.version = state.asyncVersion ?? 0;
    this.accumulated.fill(0);
    if (this.version === 0) return;
    const bytes = await this.opts.store.load(this.slotKey(this.opts.rank, this.version));
    if (!bytes) throw new Error(`worker ${this.opts.rank}'s update ${this.version} is missing from the channel: cannot resume`);
    this.accumulated.set(decodeTensor(bytes, this.opts.initial.length));
  }

  /** initial + mean of the slots, summed in worker order (the same bits on every worker). */
  private sharedModel(slots: (Float32Array | undefined)[]): Float32Array {
    const { initial, numWorkers } = this.opts;
    const model = new Float32Array(initial.length);
    for (let i = 0; i < model.length; i++) {
      let sum = 0;
      for (const slot of slots) if (slot) sum += slot[i];
      model[i] = initial[i] + sum / numWorkers;
    }
    return model;
  }

  /** The latest slot of `worker`, waiting (bounded) while it is more than maxStaleness behind. */
  private async readSlot(worker: number, budgetMs: number): Promise<Float32Array | undefined> {
    const needed = this.version - this.maxStaleness;
    try {
      return await this.awaitWorker(worker, `worker ${worker}'s update ${needed}`, async () => {
        const latest = await this.latestVersion(worker);
        if (latest === undefined || latest < needed) {
          await this.checkAbort();
          return needed > 0 ? undefined : null; // null: nothing yet, and no need to wait for it
        }
        const bytes = await this.opts.store.load(this.slotKey(worker, latest));
        if (!bytes) return undefined; // replaced by a newer version between the listing and the read
        try {
          const slot = decodeTensor(bytes, this.opts.initial.length);
          assertFinite(slot, `update of worker ${worker}`);
          return slot;
        } catch (err) {
          throw new BadGradientError(worker, `exchange ${latest}`, (err as Error).message);
        }
      }, budgetMs) ?? undefined;
    } catch (err) {
      if (!(err instanceof WaitTimeoutError)) throw err;
      throw new Error(`worker ${worker} is more than ${this.maxStaleness} exchanges behind worker ${this.opts.rank} (at ${this.version}) and published nothing for ${Math.round(this.opts.timeoutMs / 1000)} s`);
    }
  }

  /**
   * Polls `attempt` until it gives a value. A timeout names `worker` only if it published nothing
   * new during the whole wait: one still publishing is behind, not gone, and gets another timeout.
   * The invocation's time (budgetMs) is never extended: running out of it is an OutOfTimeError.
   */
  private async awaitWorker<T>(worker: number, what: string, attempt: () => Promise<T | undefined>, budgetMs = Infinity): Promise<T> {
    const end = Date.now() + budgetMs;
    let seen = this.known[worker];
    for (;;) {
      const left = end - Date.now();
      const timeoutMs = Math.max(0, Math.min(this.opts.timeoutMs, left));
      try {
        return await waitFor(what, attempt, { timeoutMs, initialDelayMs: 1, maxDelayMs: this.opts.pollMaxDelayMs ?? 25 });
      } catch (err) {
        if (!(err instanceof WaitTimeoutError)) throw err;
        if (timeoutMs < this.opts.timeoutMs) throw new OutOfTimeError(what);
        const latest = (await this.latestVersion(worker)) ?? 0;
        if (latest <= seen) throw err;
        seen = latest;
      }
    }
  }

  private async latestVersion(worker: number): Promise<number | undefined> {
    const keys = await this.opts.store.list(this.slotPrefix(worker));
    const versions = keys.map((k) => /\/v(\d+)\.f32$/.exec(k)).filter((m) => m).map((m) => Number(m![1]));
    if (!versions.length) return undefined;
    const latest = Math.max(...versions);
    this.known[worker] = Math.max(this.known[worker], latest);
    return latest;
  }

  private slotPrefix(worker: number): string {
    return `${this.opts.prefix}async/rank-${worker}/`;
  }

  private slotKey(worker: number, version: number): string {
    return `${this.slotPrefix(worker)}v${String(version).padStart(9, '0')}.f32`;
  }
}
