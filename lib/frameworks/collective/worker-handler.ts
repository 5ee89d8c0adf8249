import { createFunctionDeps } from '../../functions/deps';
import { lambdaHandler, type LambdaContext } from '../../functions/handler';
import { createChannelStore, deployedChannel } from '../../stores/create-store';
import type { StoreKind } from '../../stores/types';
import { dataParallelWorkerEventSchema } from '../run/events';
import type { CollectiveFramework } from './collectives';
import { isSeedEvent, recordSeedRun, seedWorkerEventSchema, unusedSeedFields, workerEventFromSeed } from './seed-event';
import { runCollectiveWorker } from './worker';

// A collective service's worker function (allreduce, scatter-reduce). It takes the product's worker
// event (from its trigger or its own hand-over) and the original LambdaML functions' event
// (`{ data_bucket, rank, num_workers, run_id }`, lib/frameworks/collective/seed-event.ts).

function workerDeps(channel: StoreKind, context: LambdaContext) {
  const deps = createFunctionDeps('worker');
  return {
    ...deps,
    channel: createChannelStore(channel, { bucket: deps.store, traffic: deps.traffic }),
    workerFunctionName: deps.env.workerFunctionName,
    remainingTimeMs: () => context.getRemainingTimeInMillis(),
  };
}

export const collectiveWorkerHandler = (framework: CollectiveFramework) => {
  const product = lambdaHandler({
    what: 'worker event',
    schema: dataParallelWorkerEventSchema,
    deps: (event, context) => workerDeps(event.config.channel ?? 's3', context),
    runBucket: (deps) => deps.store,
    run: (event, deps) => runCollectiveWorker(framework, event, deps),
  });
  // A seed event opens its own run (worker 0 records it), so it is not checked against an opened one.
  const seed = lambdaHandler({
    what: 'seed worker event',
    schema: seedWorkerEventSchema,
    deps: (_event, context) => workerDeps(deployedChannel() ?? 's3', context),
    run: async (seedEvent, deps) => {
      const event = workerEventFromSeed(framework, seedEvent, { bucketName: deps.env.bucketName, channel: deployedChannel() });
      const unused = unusedSeedFields(seedEvent);
      if (unused.length) deps.log.warn('seed event fields with no effect here: the deployed channel carries the gradients', { unused });
      await recordSeedRun(deps.store, framework, event);
      return runCollectiveWorker(framework, event, deps);
    },
  });
  return (event: unknown, context: LambdaContext) => (isSeedEvent(event) ? seed(event, context) : product(event, context));
};
