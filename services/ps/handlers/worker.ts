import { psWorkerHandler } from '../../../lib/frameworks/ps/functions';

/** Started by the trigger (and by itself, to continue past Lambda's time limit). */
export const handler = psWorkerHandler;
