import { collectiveWorkerHandler } from '../../../lib/frameworks/collective/worker-handler';

/** Started by the trigger (and by itself, to continue past Lambda's time limit). */
export const handler = collectiveWorkerHandler('scatter-reduce');
