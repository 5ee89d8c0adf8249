import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { closeHttpServer, listenOnLoopback, readRequestBody } from '../servers/http-listener';
import type { InvocationType, LambdaInvokeTarget } from './types';

// The AWS Lambda Invoke API over HTTP on 127.0.0.1, as the AWS SDK calls it:
// POST /2015-03-31/functions/{FunctionName}/invocations.

export interface LambdaApiServer {
  endpoint: string;
  close(): Promise<void>;
}

export async function serveLambdaApi(target: LambdaInvokeTarget): Promise<LambdaApiServer> {
  const server = http.createServer((req, res) => void handle(target, req, res));
  const endpoint = `http://127.0.0.1:${await listenOnLoopback(server)}`;
  return { endpoint, close: () => closeHttpServer(server) };
}

async function handle(target: LambdaInvokeTarget, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(req.url ?? '');
  const body = await readRequestBody(req);
  if (req.method !== 'POST' || !match) {
    return reply(res, 404, { message: `unsupported request ${req.method} ${req.url}` }, { 'x-amzn-ErrorType': 'UnknownOperationException' });
  }
  let payload: unknown = null;
  try {
    payload = body.length ? JSON.parse(body.toString('utf8')) : null;
  } catch {
    return reply(res, 400, { Type: 'User', message: 'Could not parse request body into json' }, { 'x-amzn-ErrorType': 'InvalidRequestContentException' });
  }
  const name = decodeURIComponent(match[1]).split(':').pop()!; // accepts a name or an ARN
  const typeHeader = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
  const type: InvocationType = typeHeader === 'Event' ? 'Event' : 'RequestResponse';
  const outcome = await target.invoke(name, payload, type);
  if (outcome.statusCode === 404) return reply(res, 404, outcome.payload, { 'x-amzn-ErrorType': 'ResourceNotFoundException' });
  if (outcome.statusCode === 413) return reply(res, 413, outcome.payload, { 'x-amzn-ErrorType': 'RequestTooLargeException' });
  if (outcome.statusCode === 202) return reply(res, 202, undefined);
  if (outcome.functionError) return reply(res, 200, outcome.functionError, { 'X-Amz-Function-Error': 'Unhandled' });
  return reply(res, outcome.statusCode, outcome.payload);
}

function reply(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-RequestId': randomUUID(), ...headers });
  res.end(body === undefined ? '' : JSON.stringify(body));
}
