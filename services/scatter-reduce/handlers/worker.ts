import { collectiveWorkerHandler } from '../../../lib/frameworks/collective/functions';

/** Started by the trigger (and by itself, to continue past Lambda's time limit). */
export const handler = collectiveWorkerHandler('scatter-reduce');
