import { mllessWorkerHandler } from '../../../lib/frameworks/mlless/functions';

/** Started by the supervisor (and by itself, to continue past Lambda's time limit). */
export const handler = mllessWorkerHandler;
