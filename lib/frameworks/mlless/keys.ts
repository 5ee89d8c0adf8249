import { runKeys } from '../run/run-keys';

// Where MLLESS keeps things. Updates live in Redis under keys naming the run, step and worker;
// run state (checkpoints, reports, results) in the bucket like every framework's.

export const mllessKeys = (runId: string) => {
  const redisPrefix = `mlless:${runId}:`;
  const root = runKeys(runId).root;
  return {
    redisPrefix,
    update: (step: number, rank: number) => `${redisPrefix}u:${step}:${rank}`,
    workerCheckpoint: (rank: number) => `${root}checkpoints/rank-${rank}/`,
    supervisorCheckpoint: `${root}checkpoints/supervisor/state.json`,
    checkpoints: `${root}checkpoints/`,
  };
};

/** The one run a deployment's queues serve at a time (a Redis lease, see trigger.ts). */
export const ACTIVE_RUN_KEY = 'mlless:active-run';

/** Which worker an update key belongs to, if it is the key of that run and step; else undefined. */
export function updateKeyRank(key: string, runId: string, step: number): number | undefined {
  const prefix = `${mllessKeys(runId).redisPrefix}u:${step}:`;
  if (!key.startsWith(prefix)) return undefined;
  const rest = key.slice(prefix.length);
  return /^\d{1,3}$/.test(rest) ? Number(rest) : undefined;
}
