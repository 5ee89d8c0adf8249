import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { checkedPayload } from '../comm/payload-limits';
import type { TrafficCounter } from '../metrics/traffic';
import { nameSdkFailures } from '../stores/sdk-failures';

// Functions start functions through the Lambda API. Locally the embedded runtime serves that same
// API (AWS_ENDPOINT_URL_LAMBDA), so this one implementation serves both.

export interface FunctionInvoker {
  /** Fire and forget (InvocationType Event): the call returns once the invocation is queued. */
  invokeAsync(functionName: string, payload: unknown): Promise<void>;
  /** Waits for the function's answer (InvocationType RequestResponse); a function error is thrown, named. */
  invoke(functionName: string, payload: unknown): Promise<unknown>;
}

/** A function's error, as Lambda returns it in the payload of a RequestResponse invocation. */
export class FunctionInvocationError extends Error {
  constructor(readonly functionName: string, readonly errorType: string, errorMessage: string) {
    super(`${functionName} failed: ${errorType}: ${errorMessage}`);
    this.name = 'FunctionInvocationError';
  }
}

let shared: LambdaClient | undefined;

function getLambdaClient(): LambdaClient {
  shared ??= nameSdkFailures(new LambdaClient({ region: process.env.AWS_REGION ?? 'us-east-1' }), 'Lambda', (input) => (typeof input.FunctionName === 'string' ? `function '${input.FunctionName}'` : ''));
  return shared;
}

export class LambdaInvoker implements FunctionInvoker {
  constructor(private readonly traffic?: TrafficCounter, private readonly client: LambdaClient = getLambdaClient()) {}

  async invokeAsync(functionName: string, payload: unknown): Promise<void> {
    const out = await this.send(functionName, 'Event', payload);
    if (out.StatusCode !== 202) {
      throw new Error(`Lambda did not queue the invocation of ${functionName}: status ${out.StatusCode}`);
    }
  }

  async invoke(functionName: string, payload: unknown): Promise<unknown> {
    const out = await this.send(functionName, 'RequestResponse', payload);
    const text = out.Payload ? Buffer.from(out.Payload).toString('utf8') : '';
    const answer = text ? parseAnswer(functionName, text) : null;
    if (out.FunctionError) {
      const { errorType, errorMessage } = (answer ?? {}) as { errorType?: string; errorMessage?: string };
      throw new FunctionInvocationError(functionName, errorType ?? out.FunctionError, errorMessage ?? 'no message');
    }
    return answer;
  }

  private async send(functionName: string, type: 'Event' | 'RequestResponse', payload: unknown) {
    const out = await this.client.send(new InvokeCommand({
      FunctionName: functionName,
      InvocationType: type,
      // Events carry keys, never tensors: refused before sending (payload-limits.ts).
      Payload: Buffer.from(checkedPayload(type === 'Event' ? 'Lambda async invocation' : 'Lambda invocation', functionName, payload)),
    }));
    this.traffic?.request('lambdaInvocations');
    return out;
  }
}

function parseAnswer(functionName: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${functionName} answered with a payload that is not JSON: ${JSON.stringify(text.slice(0, 200))}`);
  }
}
