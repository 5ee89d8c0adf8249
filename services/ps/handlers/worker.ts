import { psWorkerHandler } from '../../../lib/frameworks/ps/worker-handler';

/** Started by the trigger (and by itself, to continue past Lambda's time limit). */
export const handler = psWorkerHandler;
