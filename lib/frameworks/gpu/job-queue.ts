import { saveJson } from '../../stores/json';
import type { ObjectStore } from '../../stores/types';
import type { Logger } from '../../util/log';
import { assertRunId } from '../run/run-keys';

// On AWS the trigger cannot hand a run id to an instance that is stopped, so it leaves a marker in
// the bucket and starts the instance; the instance's job runner trains every queued run, oldest
// first, and stops itself when none is left. A run queued while the instance is stopping waits
// for the next start (docs/frameworks/gpu.md).

export const GPU_QUEUE_PREFIX = 'jobs/gpu/queue/';
/** Upper bound on runs one boot trains, so a marker that cannot be deleted never loops forever. */
const MAX_RUNS_PER_DRAIN = 100;

export function queueKey(runId: string): string {
  assertRunId(runId);
  return `${GPU_QUEUE_PREFIX}${runId}.json`;
}

export async function enqueueRun(store: ObjectStore, runId: string): Promise<string> {
  const key = queueKey(runId);
  await saveJson(store, key, { runId, queuedAt: new Date().toISOString() });
  return key;
}

/** Queued run ids, oldest first (run ids start with a UTC timestamp). */
export async function queuedRuns(store: ObjectStore): Promise<string[]> {
  const keys = await store.list(GPU_QUEUE_PREFIX);
  return keys.map((k) => k.slice(GPU_QUEUE_PREFIX.length).replace(/\.json$/, '')).sort();
}

/**
 * Trains queued runs one after another until the queue is empty. A run that fails is marked
 * failed by the trainer and leaves the queue like one that succeeds: it is not retried.
 */
export async function drainQueue(store: ObjectStore, train: (runId: string) => Promise<unknown>, log: Logger): Promise<{ trained: string[]; failed: string[] }> {
  const trained: string[] = [];
  const failed: string[] = [];
  for (let n = 0; n < MAX_RUNS_PER_DRAIN; n++) {
    const [runId] = await queuedRuns(store);
    if (runId === undefined) return { trained, failed };
    log.info('training queued run', { runId });
    try {
      await train(runId);
      trained.push(runId);
    } catch (err) {
      failed.push(runId);
      log.error('queued run failed', { runId, error: err as Error });
    }
    await store.delete([queueKey(runId)]);
  }
  log.warn('stopping after the maximum number of runs per boot; the rest stay queued', { max: MAX_RUNS_PER_DRAIN });
  return { trained, failed };
}
