import { mllessSupervisorHandler } from '../../../lib/frameworks/mlless/supervisor-handler';

/** Started by the trigger (and by itself, to continue past Lambda's time limit); starts the workers. */
export const handler = mllessSupervisorHandler;
