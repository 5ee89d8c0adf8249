import { runPsWorker } from '../../../lib/frameworks/ps/worker';
import { workerEventSchema } from '../../../lib/frameworks/ps/events';
import { parseOrThrow } from '../../../lib/frameworks/run/training-config';
import { createFunctionDeps } from '../../../lib/functions/deps';
import { ParameterServerClient } from '../../../lib/ps/client';
import { readParameterServerEnvironment } from '../../../lib/ps/environment';

interface LambdaContext {
  getRemainingTimeInMillis(): number;
}

/** Started by the trigger (and by itself, to continue past Lambda's time limit). */
export async function handler(event: unknown, context: LambdaContext) {
  const input = parseOrThrow(workerEventSchema, event, 'worker event');
  const deps = createFunctionDeps('worker');
  const ps = new ParameterServerClient({ ...readParameterServerEnvironment(), traffic: deps.traffic });
  try {
    return await runPsWorker(input, {
      ...deps,
      ps,
      workerFunctionName: deps.env.workerFunctionName,
      remainingTimeMs: () => context.getRemainingTimeInMillis(),
    });
  } finally {
    ps.close();
  }
}
