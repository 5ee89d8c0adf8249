import { mllessWorkerHandler } from '../../../lib/frameworks/mlless/worker-handler';

/** Started by the supervisor (and by itself, to continue past Lambda's time limit). */
export const handler = mllessWorkerHandler;
