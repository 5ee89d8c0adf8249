// What the local Step Functions need to know about a state machine definition before running it:
// which Lambda function each Task state calls, found by walking every nested Parallel branch and
// Map iterator, since aws-local-stepfunctions keys its local task handlers by state name (state
// names are unique across a whole definition: the validator refuses duplicates, as AWS does).

export type Definition = Record<string, unknown> & { States: Record<string, StateDef>; StartAt: string };
type StateDef = Record<string, unknown> & { Type?: string };

/** Resource of the optimised integration, whose input names the function and carries the payload. */
export const LAMBDA_INVOKE_INTEGRATION = 'arn:aws:states:::lambda:invoke';

/** A Task state, where it is, and the function it calls (undefined: the integration's input names it). */
export interface TaskBinding {
  state: string;
  where: string;
  resource: string;
  functionName?: string;
}

/**
 * A Task state's function from its Resource: a function name, or a Lambda function ARN (full or
 * partial, possibly with a version or alias: `arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]`).
 */
export function functionNameOf(resource: string): string | undefined {
  if (resource.startsWith('arn:') && !/^arn:aws[a-z-]*:lambda:/.test(resource)) return undefined;
  const named = /(?:^|:)function:([^:]+)/.exec(resource);
  if (named) return named[1];
  if (resource.startsWith('arn:')) return undefined;
  return resource.split(':')[0] || undefined;
}

/** Every Task state of the definition, nested ones included; throws naming what cannot run locally. */
export function taskBindings(definition: Definition, machine: string): TaskBinding[] {
  const tasks: TaskBinding[] = [];
  const walk = (def: unknown, where: string): void => {
    const states = (def as { States?: unknown } | undefined)?.States;
    if (!states || typeof states !== 'object') throw new Error(`state machine ${machine}: ${where} has no States object`);
    for (const [state, raw] of Object.entries(states as Record<string, StateDef>)) {
      const here = `${where}.States.${state}`;
      if (raw?.Type === 'Task') {
        const resource = raw.Resource;
        if (typeof resource !== 'string') {
          throw new Error(`state machine ${machine}: ${here}.Resource must be a Lambda function name or ARN string, got ${JSON.stringify(resource)}`);
        }
        const functionName = resource.startsWith(LAMBDA_INVOKE_INTEGRATION) ? undefined : functionNameOf(resource);
        if (!functionName && !resource.startsWith(LAMBDA_INVOKE_INTEGRATION)) {
          throw new Error(`state machine ${machine}: ${here}.Resource ${resource} is not a Lambda function; only Lambda tasks run locally`);
        }
        tasks.push({ state, where: here, resource, functionName });
      }
      if (raw?.Type === 'Parallel') {
        const branches = raw.Branches;
        if (!Array.isArray(branches)) throw new Error(`state machine ${machine}: ${here}.Branches must be an array`);
        branches.forEach((b, i) => walk(b, `${here}.Branches[${i}]`));
      }
      if (raw?.Type === 'Map') {
        const key = raw.ItemProcessor ? 'ItemProcessor' : 'Iterator';
        walk(raw[key], `${here}.${key}`);
      }
    }
  };
  walk(definition, 'definition');
  return tasks;
}

/**
 * A copy in which every Task without its own TimeoutSeconds gets a very long one: on AWS a Task has
 * no time limit of its own (the function's timeout applies, which the local Lambda enforces), while
 * aws-local-stepfunctions would fail it with States.Timeout after 60 s.
 */
export function withoutLibraryTaskTimeout(definition: Definition): Definition {
  const NO_LIMIT_SECONDS = 2_000_000; // below setTimeout's 2^31 ms ceiling
  const patch = (def: Record<string, unknown>): Record<string, unknown> => ({
    ...def,
    States: Object.fromEntries(Object.entries(def.States as Record<string, StateDef>).map(([name, s]) => {
      const state: StateDef = { ...s };
      if (state.Type === 'Task' && state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined) state.TimeoutSeconds = NO_LIMIT_SECONDS;
      if (state.Type === 'Parallel') state.Branches = (state.Branches as Record<string, unknown>[]).map(patch);
      if (state.Type === 'Map') for (const key of ['ItemProcessor', 'Iterator']) if (state[key]) state[key] = patch(state[key] as Record<string, unknown>);
      return [name, state];
    })),
  });
  return patch(definition) as Definition;
}
