import type { SpirtDeps } from '../../lib/frameworks/spirt/deps';
import type { PeerEvent } from '../../lib/frameworks/spirt/events';
import { warmRoundFunctions, warmUpWaitMs } from '../../lib/frameworks/spirt/warm-up';

// init_peers' warm-up: one invocation per Task state of the round (N of compute_gradients), all at
// once; best effort, bounded in time, and it says what did not answer.

function fakeDeps(answer: (fn: string) => Promise<unknown>) {
  const calls: { fn: string; payload: unknown }[] = [];
  const logged: { level: string; message: string; fields: Record<string, unknown> }[] = [];
  const deps = {
    functionName: (key: string) => `mltrain-spirt-dev-${key}`,
    invoker: { invoke: (fn: string, payload: unknown) => { calls.push({ fn, payload }); return answer(fn); } },
    log: {
      info: (message: string, fields: Record<string, unknown>) => logged.push({ level: 'info', message, fields }),
      warn: (message: string, fields: Record<string, unknown>) => logged.push({ level: 'warn', message, fields }),
    },
  } as unknown as SpirtDeps;
  return { deps, calls, logged };
}

const event = { runId: 'r1', peer: 2, manifestKey: 'datasets/m/manifest.json', config: { workers: 4, batches: 3, syncTimeoutSeconds: 120 } } as unknown as PeerEvent;

test('invokes every state of the round once and compute_gradients once per batch, with the peer event marked warmUp', async () => {
  const { deps, calls, logged } = fakeDeps(async (fn) => ({ warmedUp: fn }));
  const summary = await warmRoundFunctions(deps, event);
  expect(summary).toMatchObject({ invocations: 10, failed: [] });
  const counts: Record<string, number> = {};
  for (const c of calls) counts[c.fn] = (counts[c.fn] ?? 0) + 1;
  expect(counts).toEqual({
    'mltrain-spirt-dev-auth': 1, 'mltrain-spirt-dev-compute_gradients': 3, 'mltrain-spirt-dev-Trigger_Average_Gradient_sync': 1,
    'mltrain-spirt-dev-check_heartbeat': 1, 'mltrain-spirt-dev-Aggregation': 1, 'mltrain-spirt-dev-Trigger_update_model': 1,
    'mltrain-spirt-dev-check-convergence': 1, 'mltrain-spirt-dev-Update_Trigger_Next_epoch': 1,
  });
  expect(calls[0].payload).toEqual({ runId: 'r1', peer: 2, manifestKey: 'datasets/m/manifest.json', config: event.config, warmUp: true });
  expect(logged.map((l) => [l.level, l.message])).toEqual([['info', 'round functions warmed']]);
});

test('a failed or late warm-up is logged, named by state and function, and does not hold the peer past the wait', async () => {
  const { deps, logged } = fakeDeps((fn) => {
    if (fn.endsWith('-Aggregation')) return Promise.reject(new Error('Aggregation failed: Error: boom'));
    if (fn.endsWith('-check_heartbeat')) return new Promise(() => undefined); // never answers
    return Promise.resolve({});
  });
  const t0 = Date.now();
  const summary = await warmRoundFunctions(deps, event, 200);
  expect(Date.now() - t0).toBeLessThan(2000);
  expect(summary.failed).toEqual(['Aggregation (Aggregation): Aggregation failed: Error: boom', 'CheckHeartbeat (check_heartbeat): no answer within 0.2 s']);
  expect(logged.map((l) => [l.level, l.message])).toEqual([['warn', 'warm-up incomplete; the round starts the remaining sandboxes itself']]);
});

test('waits at most 40 s, and at most half the sync timeout, so peers start round 1 within what auth waits', () => {
  expect(warmUpWaitMs(120)).toBe(40_000);
  expect(warmUpWaitMs(30)).toBe(15_000);
});
