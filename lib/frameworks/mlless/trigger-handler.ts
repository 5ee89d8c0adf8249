import { lambdaHandler } from '../../functions/handler';
import { triggerEventSchema } from '../run/events';
import { createMllessDeps } from './deps';
import { startMllessRun } from './trigger';

// The mlless service's functions, one file each: a handler's bundle holds what it imports.

export const mllessTriggerHandler = lambdaHandler({
  what: 'trigger event',
  schema: triggerEventSchema,
  deps: () => {
    const deps = createMllessDeps('trigger');
    return { ...deps, supervisorFunctionName: deps.mlless.supervisorFunctionName, deployedWorkers: deps.mlless.workerQueueUrls.length };
  },
  run: startMllessRun,
});
