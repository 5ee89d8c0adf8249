// Which functions of a service are invoked asynchronously, and where their failures go. A function
// another of the service's functions may invoke (a lambda:InvokeFunction statement in
// custom.mltrain.iamStatements naming it, unless the statement's Sid is SynchronousInvocations:
// those callers wait for the answer) is invoked with InvocationType Event: when such an
// invocation fails for good, Lambda sends a destination record to the service's runFailed
// function, which marks the run failed at once. Read by the plugin (sls package) and by the local
// runtime (the same destinations, from the same serverless.yml).

export const RUN_FAILED_FUNCTION = 'runFailed';

interface FunctionSettings {
  maximumRetryAttempts?: unknown;
}

/** The text of a statement's Resource entry: a plain ARN or the template of a Fn::Sub. */
function resourceText(resource: unknown): string | undefined {
  if (typeof resource === 'string') return resource;
  const sub = (resource as { 'Fn::Sub'?: unknown } | null)?.['Fn::Sub'];
  if (typeof sub === 'string') return sub;
  return Array.isArray(sub) && typeof sub[0] === 'string' ? sub[0] : undefined;
}

/** The Sid of a statement whose functions are only invoked with InvocationType RequestResponse. */
export const SYNCHRONOUS_INVOCATIONS_SID = 'SynchronousInvocations';

/** The service's functions that a lambda:InvokeFunction statement names (by the end of their ARN). */
export function asyncInvokedFunctions(iamStatements: unknown, functionKeys: readonly string[]): string[] {
  const statements = Array.isArray(iamStatements) ? iamStatements as { Sid?: unknown; Action?: unknown; Resource?: unknown }[] : [];
  const arns = statements
    .filter((s) => s.Sid !== SYNCHRONOUS_INVOCATIONS_SID && [s.Action].flat().includes('lambda:InvokeFunction'))
    .flatMap((s) => [s.Resource].flat().map(resourceText))
    .filter((text): text is string => !!text && text.includes(':function:'));
  return functionKeys.filter((key) => arns.some((arn) => arn.endsWith(`-${key}`)));
}

/**
 * The on-failure destination of each asynchronously invoked function: { worker: 'runFailed' }.
 * Throws, naming what to add, when the service has no runFailed function or leaves such a
 * function's retry count to Lambda's default (two retries of a step that may not be repeatable).
 */
export function onFailureDestinations(iamStatements: unknown, functions: Record<string, FunctionSettings | null | undefined>): Record<string, string> {
  const invoked = asyncInvokedFunctions(iamStatements, Object.keys(functions)).filter((key) => key !== RUN_FAILED_FUNCTION);
  if (!invoked.length) return {};
  if (!functions[RUN_FAILED_FUNCTION]) {
    throw new Error(`functions ${invoked.join(', ')} are invoked asynchronously, so their failures need a destination: declare functions.${RUN_FAILED_FUNCTION} (handler: handlers/run-failed.handler)`);
  }
  const unset = invoked.filter((key) => typeof functions[key]?.maximumRetryAttempts !== 'number');
  if (unset.length) {
    throw new Error(`functions ${unset.map((k) => `${k}.maximumRetryAttempts`).join(', ')}: set it (0-2) for every asynchronously invoked function: Lambda's default of 2 retries is a choice to make, not to inherit`);
  }
  return Object.fromEntries(invoked.map((key) => [key, RUN_FAILED_FUNCTION]));
}
