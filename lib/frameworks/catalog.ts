import type { ServerKind } from '../local/servers/types';
import type { FrameworkOptions } from './run/framework-options';

// Every framework the product knows and what its local run needs.

// Each chunk's mean is computed by the one worker that owns it, and every worker needs every
// chunk's mean before its next step: a barrier per step is the pattern itself.
const NO_ASYNC_SCATTER_REDUCE = 'scatter-reduce has no asynchronous form: each chunk is averaged by the worker that owns it, '
  + 'which every worker waits for at every step (async SGD is allreduce --sync async)';

export interface FrameworkInfo {
  title: string;
  /** Folder under services/. */
  service: string;
  /** Local servers beyond S3. */
  servers: ServerKind[];
  /** The framework-specific options it takes, with their defaults. */
  options: Partial<FrameworkOptions>;
  /** Learning rate when none is given, if the framework's default differs from the optimizer's. */
  defaultLr?: number;
  /** Only these optimizers (SPIRT's in-database update is plain SGD). */
  optimizers?: readonly ('sgd' | 'adam')[];
  /** The update is params − lr · gradient and nothing else: momentum and weight decay are 0, other values refused. */
  plainSgd?: boolean;
  /** Trains in one process (the GPU baseline): one progress report per epoch, not one per worker. */
  singleProcess?: boolean;
  /** Why an option another framework takes does not apply here, where the bare refusal would not say. */
  whyNot?: Partial<Record<keyof FrameworkOptions, string>>;
}

export const FRAMEWORKS = {
  allreduce: { title: 'LambdaML AllReduce', service: 'allreduce', servers: [], options: { channel: 's3', sync: 'sync', staleness: undefined } },
  'scatter-reduce': {
    title: 'LambdaML ScatterReduce', service: 'scatter-reduce', servers: [], options: { channel: 's3' },
    whyNot: { sync: NO_ASYNC_SCATTER_REDUCE, staleness: NO_ASYNC_SCATTER_REDUCE },
  },
  spirt: {
    title: 'SPIRT', service: 'spirt', servers: ['redis', 'sqs'],
    options: { batches: 4, aggregation: 'mean', attack: 'none', attackers: 0, inDb: true, targetLoss: 0, targetAccuracy: 0, patience: 1 },
    // One update per round averages batches × peers minibatches: a large effective batch wants a
    // larger step (MNIST MLP, 4 peers × 4 batches of 64: 0.5 gives 92.9% after 2 epochs, 0.05 far less).
    defaultLr: 0.5, optimizers: ['sgd'], plainSgd: true, // AI.MODELUPDATE in the peers' databases
  },
  mlless: {
    title: 'MLLESS', service: 'mlless', servers: ['redis', 'sqs'],
    options: { variant: 'significant', threshold: 10, targetLoss: 0, patience: 10, maxSeconds: 0 },
  },
  ps: { title: 'LambdaML hybrid parameter server', service: 'ps', servers: ['parameter-server'], options: {} },
  gpu: {
    title: 'GPU baseline', service: 'gpu', servers: [], options: {},
    singleProcess: true,
  },
} satisfies Record<string, FrameworkInfo>;

export type FrameworkName = keyof typeof FRAMEWORKS;
export const FRAMEWORK_NAMES = Object.keys(FRAMEWORKS) as FrameworkName[];

export function requireFramework(name: string): FrameworkInfo & { name: FrameworkName } {
  if (!(name in FRAMEWORKS)) {
    throw new Error(`unknown framework "${name}"; known frameworks: ${FRAMEWORK_NAMES.join(', ')}`);
  }
  return { ...FRAMEWORKS[name as FrameworkName], name: name as FrameworkName };
}
