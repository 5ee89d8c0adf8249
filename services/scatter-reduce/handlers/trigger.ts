import { collectiveTriggerHandler } from '../../../lib/frameworks/collective/trigger-handler';

/** sls invoke -f trigger -d '{"config":{"workers":4,"epochs":3}}' → { runId, ... } */
export const handler = collectiveTriggerHandler('scatter-reduce');
