import { mllessTriggerHandler } from '../../../lib/frameworks/mlless/trigger-handler';

/** sls invoke -f trigger -d '{"config":{"workers":4,"variant":"significant"}}' → { runId, ... } */
export const handler = mllessTriggerHandler;
