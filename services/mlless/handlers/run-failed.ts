import { runFailedHandler } from '../../../lib/functions/run-failed-handler';

/** The on-failure destination of this service's asynchronously invoked functions: marks their run failed. */
export const handler = runFailedHandler;
