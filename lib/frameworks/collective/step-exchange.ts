import { AsyncCommunicator, createCommunicator, type CollectiveOptions, type CommunicatorState } from '../../comm';
import type { FlatOptimizer } from '../../ml/optimizers';
import type { TrainingConfig } from '../run/training-config';
import { COLLECTIVES, type CollectiveFramework } from './collectives';

// How a collective worker turns one step's gradient into new parameters: synchronously (the mean
// of every worker's gradient, at a barrier) or asynchronously (--sync async: its own optimizer
// step, published as an update to the shared model, which it then reads back without waiting).

export interface StepExchange {
  /** Updates `params` in place with this step's gradient; returns the milliseconds spent syncing and updating. */
  step(key: string, params: Float32Array, grad: Float32Array): Promise<{ syncMs: number; updateMs: number }>;
  exportState(): CommunicatorState;
  importState(state: CommunicatorState): Promise<void>;
  /** The run's final parameters: the worker's own (sync) or the settled shared model (async). */
  finish(params: Float32Array): Promise<Float32Array>;
}

export function createStepExchange(
  framework: CollectiveFramework, config: TrainingConfig, comm: CollectiveOptions, optimizer: FlatOptimizer, initial: Float32Array,
): StepExchange {
  if (config.sync === 'async') {
    if (framework !== 'allreduce') throw new Error(`${framework} has no asynchronous form: --sync async applies to allreduce only`);
    return asyncExchange(new AsyncCommunicator({ ...comm, initial, maxStaleness: config.staleness }), optimizer);
  }
  const collective = createCommunicator(COLLECTIVES[framework].pattern, comm);
  return {
    async step(key, params, grad) {
      const t0 = performance.now();
      const mean = await collective.mean(key, grad);
      const t1 = performance.now();
      optimizer.step(params, mean);
      return { syncMs: t1 - t0, updateMs: performance.now() - t1 };
    },
    exportState: () => collective.exportState(),
    importState: async (state) => collective.importState(state),
    finish: async (params) => params,
  };
}

function asyncExchange(shared: AsyncCommunicator, optimizer: FlatOptimizer): StepExchange {
  // A step whose update was published before its invocation ran out of time waiting for the others
  // is not stepped or published again by the next invocation (that would apply it twice): the
  // optimizer's state and the channel already hold it, so the redo only reads the shared model.
  let published: string | undefined;
  return {
    async step(key, params, grad) {
      const t0 = performance.now();
      if (published !== key) {
        const before = params.slice();
        optimizer.step(params, grad);
        const update = new Float32Array(params.length);
        for (let i = 0; i < params.length; i++) update[i] = params[i] - before[i];
        await shared.publish(update);
        published = key;
      }
      const t1 = performance.now();
      params.set(await shared.readShared());
      published = undefined;
      return { syncMs: performance.now() - t1, updateMs: t1 - t0 };
    },
    exportState: () => ({ ...shared.exportState(), ...(published !== undefined ? { asyncPublishedStep: published } : {}) }),
    async importState(state) {
      published = state.asyncPublishedStep;
      await shared.importState(state);
    },
    finish: () => shared.settle(),
  };
}
