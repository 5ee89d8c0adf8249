import { startPsRun } from '../../../lib/frameworks/ps/trigger';
import { triggerEventSchema } from '../../../lib/frameworks/ps/events';
import { parseOrThrow } from '../../../lib/frameworks/run/training-config';
import { createFunctionDeps } from '../../../lib/functions/deps';
import { ParameterServerClient } from '../../../lib/ps/client';
import { readParameterServerEnvironment } from '../../../lib/ps/environment';

/** sls invoke -f trigger -d '{"config":{"workers":4,"epochs":3}}' → { runId, ... } */
export async function handler(event: unknown) {
  const input = parseOrThrow(triggerEventSchema, event ?? {}, 'trigger event');
  const deps = createFunctionDeps('trigger');
  const ps = new ParameterServerClient({ ...readParameterServerEnvironment(), traffic: deps.traffic });
  try {
    return await startPsRun(input, { ...deps, ps, workerFunctionName: deps.env.workerFunctionName });
  } finally {
    ps.close();
  }
}
