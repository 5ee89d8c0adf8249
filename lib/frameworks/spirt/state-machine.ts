import { MAX_BATCHES } from '../run/framework-options';

// SPIRT's per-round state machine (docs/frameworks/spirt.md), generated for N parallel batches. The same
// generator feeds the Serverless plugin (Task resources are function ARNs) and the local runtime
// (Task resources are function names), so what runs locally is what gets deployed.

/** The functions the machine calls, by their key in services/spirt/serverless.yml. */
export const SPIRT_STEP_FUNCTIONS = {
  Authentification: 'auth',
  Batch: 'compute_gradients',
  AverageGradients: 'Trigger_Average_Gradient_sync',
  CheckHeartbeat: 'check_heartbeat',
  Aggregation: 'Aggregation',
  Update: 'Trigger_update_model',
  CheckConvergence: 'check-convergence',
  trigger_next: 'Update_Trigger_Next_epoch',
} as const;

export type SpirtFunctionKey = (typeof SPIRT_STEP_FUNCTIONS)[keyof typeof SPIRT_STEP_FUNCTIONS];

/** How a Task names its function: an Fn::GetAtt for CloudFormation, a plain name locally. */
export type ResourceOf = (functionKey: SpirtFunctionKey) => unknown;

// Transient Lambda-side errors are retried with back-off; anything else fails the round.
const RETRY = [{
  ErrorEquals: ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException', 'PeerDatabaseUnavailable'],
  IntervalSeconds: 1,
  MaxAttempts: 3,
  BackoffRate: 2,
}];
const CATCH = [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'RoundFailed' }];

// Every Task reads the execution input, which carries names and numbers only (never a secret).
const COMMON_PARAMETERS = {
  'runId.$': '$$.Execution.Input.runId',
  'peer.$': '$$.Execution.Input.peer',
  'round.$': '$$.Execution.Input.round',
  'config.$': '$$.Execution.Input.config',
  'manifestKey.$': '$$.Execution.Input.manifestKey',
};

// JSONPath, stated on every state, where the ASL schema gives it as the default: what
// serverless-step-functions' validation would fill in anyway, so local and deployed are equal.
const JSONPATH = { QueryLanguage: 'JSONPath' } as const;

function task(resource: unknown, next: string | undefined, extra: Record<string, unknown> = {}, resultPath: string | null = null) {
  return {
    Type: 'Task',
    ...JSONPATH,
    Resource: resource,
    Parameters: { ...COMMON_PARAMETERS, ...extra },
    ResultPath: resultPath,
    Retry: RETRY,
    Catch: CATCH,
    ...(next ? { Next: next } : { End: true }),
  };
}

export function spirtRoundDefinition(batches: number, resourceOf: ResourceOf): Record<string, unknown> {
  if (!Number.isInteger(batches) || batches < 1 || batches > MAX_BATCHES) {
    throw new Error(`SPIRT state machine: batches must be a whole number from 1 to ${MAX_BATCHES}, got ${String(batches)}`);
  }
  const f = SPIRT_STEP_FUNCTIONS;
  const branches = Array.from({ length: batches }, (_, i) => ({
    StartAt: `Batch${i + 1}`,
    States: { [`Batch${i + 1}`]: { ...task(resourceOf(f.Batch), undefined, { batch: i }), Catch: undefined } },
  }));
  // A branch failure fails the Parallel state, whose own Catch records it: one place, not N.
  for (const b of branches) delete (b.States[`Batch${b.StartAt.slice(5)}`] as Record<string, unknown>).Catch;
  return {
    Comment: `SPIRT: one round of one peer (${batches} batches in parallel, then in-database averaging, heartbeat, robust aggregation and update)`,
    StartAt: 'Authentification',
    States: {
      Authentification: task(resourceOf(f.Authentification), 'ComputeGradients'),
      ComputeGradients: { Type: 'Parallel', ...JSONPATH, Branches: branches, ResultPath: null, Catch: CATCH, Next: 'AverageGradients' },
      AverageGradients: task(resourceOf(f.AverageGradients), 'CheckHeartbeat'),
      CheckHeartbeat: task(resourceOf(f.CheckHeartbeat), 'Aggregation'),
      Aggregation: task(resourceOf(f.Aggregation), 'Update'),
      Update: task(resourceOf(f.Update), 'CheckConvergence'),
      CheckConvergence: task(resourceOf(f.CheckConvergence), 'Converged', {}, '$.convergence'),
      Converged: {
        Type: 'Choice',
        ...JSONPATH,
        Choices: [{ Variable: '$.convergence.stop', BooleanEquals: true, Next: 'Done' }],
        Default: 'trigger_next',
      },
      trigger_next: task(resourceOf(f.trigger_next), undefined),
      Done: { Type: 'Succeed', ...JSONPATH },
      RoundFailed: { Type: 'Fail', ...JSONPATH, Error: 'SpirtRoundFailed', Cause: 'a step of the round failed; the execution history holds the error' },
    },
  };
}

/** Every Task state name → the function it calls (Batch1..BatchN included). */
export function taskFunctions(batches: number): Record<string, SpirtFunctionKey> {
  const f = SPIRT_STEP_FUNCTIONS;
  const out: Record<string, SpirtFunctionKey> = {};
  for (const [state, fn] of Object.entries(f)) if (state !== 'Batch') out[state] = fn;
  for (let i = 1; i <= batches; i++) out[`Batch${i}`] = f.Batch;
  return out;
}
