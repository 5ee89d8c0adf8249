import { lambdaHandler } from '../../functions/handler';
import { dataParallelWorkerEventSchema } from '../run/events';
import { psDeps } from './function-deps';
import { runPsWorker } from './worker';

export const psWorkerHandler = lambdaHandler({
  what: 'worker event',
  schema: dataParallelWorkerEventSchema,
  deps: (_event, context) => ({ ...psDeps('worker'), remainingTimeMs: () => context.getRemainingTimeInMillis() }),
  runBucket: (deps) => deps.store,
  run: runPsWorker,
  close: (deps) => deps.ps.close(),
});
