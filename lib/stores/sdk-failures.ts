import type { BuildMiddleware, InitializeMiddleware, MiddlewareStack } from '@smithy/types';
import { nameFailure } from './failure-names';

// AWS SDK clients (S3, SQS, DynamoDB) name their failures by role: two middlewares added once
// where a client is built. One notes the endpoint each request went to; the outermost one (it
// sees the error after the SDK's own retries) rethrows a connection failure or a full disk as
// UnreachableError / DiskFullError naming the role, the bucket, queue or table, and the endpoint.

/** The part of an SDK client used here (every @aws-sdk client has it). */
interface SdkClientLike {
  // any: each client has its own input and output types.
  middlewareStack: MiddlewareStack<any, any>;
}

interface RequestLike {
  protocol?: string;
  hostname?: string;
  port?: number;
}

type Input = Record<string, unknown>;

/** Describes the role for one request, e.g. (input) => `the run's bucket '${input.Bucket}'`. */
export type RoleOf = (input: Input) => string;

const ENDPOINT = Symbol('mltrain endpoint');

function endpointOf(request: RequestLike | undefined): string | undefined {
  if (!request?.hostname) return undefined;
  return `${request.protocol ?? 'https:'}//${request.hostname}${request.port ? `:${request.port}` : ''}`;
}

/**
 * `service` is how the message starts ("S3", "SQS", "the dynamodb channel"); `what` adds the
 * resource from the request: S3 (the run's bucket 'b' at http://127.0.0.1:39233).
 */
export function nameSdkFailures<C extends SdkClientLike>(client: C, service: string, what?: RoleOf): C {
  const recordEndpoint: BuildMiddleware<object, object> = (next, context) => async (args) => {
    const endpoint = endpointOf(args.request as RequestLike);
    if (endpoint) (context as Record<symbol, unknown>)[ENDPOINT] = endpoint;
    return next(args);
  };
  const nameFailures: InitializeMiddleware<object, object> = (next, context) => async (args) => {
    try {
      return await next(args);
    } catch (err) {
      const endpoint = (context as Record<symbol, unknown>)[ENDPOINT] as string | undefined;
      const details = [what?.(args.input as Input), endpoint && `at ${endpoint}`].filter(Boolean).join(' ');
      throw nameFailure(err, details ? `${service} (${details})` : service);
    }
  };
  client.middlewareStack.add(recordEndpoint, { step: 'build', name: 'mltrainRecordEndpoint', override: true });
  client.middlewareStack.add(nameFailures, { step: 'initialize', name: 'mltrainNameFailures', priority: 'high', override: true });
  return client;
}

/** Roles of the clients lib/stores builds. */
export const S3_ROLE: RoleOf = (input) => (typeof input.Bucket === 'string' ? `the run's bucket '${input.Bucket}'` : "the run's bucket");
export const SQS_ROLE: RoleOf = (input) => (typeof input.QueueUrl === 'string' ? `queue '${input.QueueUrl.split('/').pop()}'` : '');
export const DYNAMO_CHANNEL_ROLE: RoleOf = (input) => (typeof input.TableName === 'string' ? `table '${input.TableName}'` : '');
