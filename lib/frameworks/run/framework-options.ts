import { z } from 'zod';

// Options that only some frameworks take (docs/cli.md, options of one framework). Each is declared once
// here; the catalog says which framework takes which and with what default, so the CLI and the
// trigger events refuse an option given to a framework it does not apply to.

/** SPIRT: the most parallel batches a round's state machine is generated for. */
export const MAX_BATCHES = 64;

export const CHANNELS = ['s3', 'redis', 'memcached', 'dynamodb'] as const;
export const AGGREGATIONS = ['mean', 'median', 'trimmed-mean'] as const;
export const ATTACKS = ['none', 'sign-flip', 'gaussian', 'label-flip'] as const;
export const MLLESS_VARIANTS = ['significant', 'all'] as const;
export const SYNC_MODES = ['sync', 'async'] as const;

export const frameworkOptionFields = {
  /** LambdaML collectives: the store gradients travel through. */
  channel: z.enum(CHANNELS),
  /** AllReduce: average every step's gradient at a barrier (sync), or SGD on a shared model without one (async). */
  sync: z.enum(SYNC_MODES),
  /** AllReduce async: how many exchanges a worker may be ahead of the slowest (absent: unbounded). */
  staleness: z.number().int().min(0).max(100_000),
  /** SPIRT: minibatches each peer computes in parallel per round (the state machine's N). */
  batches: z.number().int().min(1).max(MAX_BATCHES),
  /** SPIRT: how a peer combines the averaged gradients of the trusted peers. */
  aggregation: z.enum(AGGREGATIONS),
  /** SPIRT experiments: what the attacking peers do to their gradients or labels. */
  attack: z.enum(ATTACKS),
  /** SPIRT experiments: how many peers attack (the last ranks). */
  attackers: z.number().int().min(0).max(255),
  /** SPIRT: average and update inside the peer's database (true) or in the function (false). */
  inDb: z.boolean(),
  /** MLLESS: send only significant updates, or every update in full. */
  variant: z.enum(MLLESS_VARIANTS),
  /** MLLESS: significance threshold on |accumulated update / parameter| at step 1. */
  threshold: z.number().min(0).max(1000),
  /**
   * MLLESS: stop once the global training loss stays below this for `patience` steps; SPIRT: once
   * the peers' mean validation loss does for `patience` rounds (0: never).
   */
  targetLoss: z.number().min(0).max(1e6),
  /** SPIRT: stop once the peers' mean validation accuracy stays at or above this for `patience` rounds (0: never). */
  targetAccuracy: z.number().min(0).max(1),
  /** MLLESS: consecutive steps meeting targetLoss that end the run; SPIRT: consecutive rounds meeting its target. */
  patience: z.number().int().min(1).max(1_000_000),
  /** MLLESS: stop after this many seconds of training (0: no time budget beyond the epochs). */
  maxSeconds: z.number().min(0).max(7 * 24 * 3600),
};

export type FrameworkOptionName = keyof typeof frameworkOptionFields;
export type FrameworkOptions = { [K in FrameworkOptionName]: z.output<(typeof frameworkOptionFields)[K]> };
