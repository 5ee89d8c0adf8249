import { createFunctionDeps } from '../../functions/deps';
import { ParameterServerClient } from '../../ps/client';
import { readParameterServerEnvironment } from '../../ps/environment';

// The ps service's Lambda functions: each invocation opens its own client of the parameter server.

export function psDeps(functionKey: string) {
  const deps = createFunctionDeps(functionKey);
  const ps = new ParameterServerClient({ ...readParameterServerEnvironment(), traffic: deps.traffic });
  return { ...deps, ps, workerFunctionName: deps.env.workerFunctionName };
}
