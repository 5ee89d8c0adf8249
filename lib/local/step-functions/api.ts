import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { z } from 'zod';
import { listenOnLoopback, readRequestBody } from '../servers/http-listener';
import type { LocalStepFunctions } from './local-step-functions';

// The wire protocol the AWS SDK's Step Functions client speaks: AWS JSON 1.0, a POST to / whose
// X-Amz-Target header names the operation (AWSStepFunctions.<Op>), JSON in and out, errors as
// HTTP 400 with { __type, message }. Dates travel as epoch seconds.

/** An error the API reports to the client under its AWS error code. */
export class SfnApiError extends Error {
  constructor(readonly type: string, message: string, readonly status = 400) {
    super(message);
    this.name = type;
  }
}

const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] as const;
const arn = z.string().min(1).max(2048);

const operations = {
  StartExecution: {
    input: z.object({ stateMachineArn: arn, name: z.string().optional(), input: z.string().optional(), traceHeader: z.string().optional() }),
    run: (sfn: LocalStepFunctions, req: { stateMachineArn: string; name?: string; input?: string }) => {
      const out = sfn.startExecution(req);
      return { executionArn: out.executionArn, startDate: seconds(out.startDate) };
    },
  },
  DescribeExecution: {
    input: z.object({ executionArn: arn, includedData: z.string().optional() }),
    run: (sfn: LocalStepFunctions, req: { executionArn: string }) => {
      const r = sfn.describeExecution(req.executionArn);
      return {
        executionArn: r.executionArn, stateMachineArn: r.stateMachineArn, name: r.name, status: r.status,
        startDate: seconds(r.startDate), ...(r.stopDate !== undefined ? { stopDate: seconds(r.stopDate) } : {}),
        input: r.input, inputDetails: { included: true },
        ...(r.output !== undefined ? { output: r.output, outputDetails: { included: true } } : {}),
        ...(r.error !== undefined ? { error: r.error } : {}), ...(r.cause !== undefined ? { cause: r.cause } : {}),
      };
    },
  },
  StopExecution: {
    input: z.object({ executionArn: arn, error: z.string().max(256).optional(), cause: z.string().max(32768).optional() }),
    run: (sfn: LocalStepFunctions, req: { executionArn: string; error?: string; cause?: string }) => ({ stopDate: seconds(sfn.stopExecution(req.executionArn, req.error, req.cause).stopDate) }),
  },
  ListExecutions: {
    input: z.object({
      stateMachineArn: arn, statusFilter: z.enum(STATUSES).optional(), maxResults: z.number().int().min(0).max(1000).optional(), nextToken: z.string().max(1024).optional(),
    }),
    run: (sfn: LocalStepFunctions, req: Parameters<LocalStepFunctions['listExecutions']>[0]) => {
      const out = sfn.listExecutions(req);
      return {
        executions: out.executions.map((e) => ({ ...e, startDate: seconds(e.startDate), ...(e.stopDate !== undefined ? { stopDate: seconds(e.stopDate) } : {}) })),
        ...(out.nextToken ? { nextToken: out.nextToken } : {}),
      };
    },
  },
  DescribeStateMachine: {
    input: z.object({ stateMachineArn: arn }),
    run: (sfn: LocalStepFunctions, req: { stateMachineArn: string }) => {
      const sm = sfn.describeStateMachine(req.stateMachineArn);
      return {
        ...sm, createdAt: seconds(sm.createdAt), status: 'ACTIVE',
        roleArn: `arn:aws:iam::000000000000:role/local-step-functions`,
      };
    },
  },
  ListStateMachines: {
    input: z.object({ maxResults: z.number().int().min(0).max(1000).optional(), nextToken: z.string().optional() }),
    run: (sfn: LocalStepFunctions) => ({
      stateMachines: sfn.stateMachineNames().map((name) => {
        const sm = sfn.describeStateMachine(sfn.stateMachineArn(name));
        return { name, stateMachineArn: sm.stateMachineArn, type: sm.type, creationDate: seconds(sm.createdAt) };
      }),
    }),
  },
} as const;

type Operation = { input: z.ZodTypeAny; run: (sfn: LocalStepFunctions, req: never) => unknown };

export async function serveStepFunctionsApi(sfn: LocalStepFunctions): Promise<{ server: http.Server; endpoint: string }> {
  const server = http.createServer((req, res) => void handle(sfn, req, res));
  return { server, endpoint: `http://127.0.0.1:${await listenOnLoopback(server)}` };
}

async function handle(sfn: LocalStepFunctions, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  try {
    const body = await readRequestBody(req);
    const target = String(req.headers['x-amz-target'] ?? '');
    const opName = target.startsWith('AWSStepFunctions.') ? target.slice('AWSStepFunctions.'.length) : '';
    const op = (operations as Record<string, Operation>)[opName];
    if (req.method !== 'POST' || !op) {
      throw new SfnApiError('UnknownOperationException', `the local Step Functions do not serve ${req.method} ${target || '(no X-Amz-Target)'}; they serve ${Object.keys(operations).join(', ')}`);
    }
    let json: unknown;
    try {
      json = body.length ? JSON.parse(body.toString('utf8')) : {};
    } catch {
      throw new SfnApiError('SerializationException', 'the request body is not JSON');
    }
    const parsed = op.input.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
      throw new SfnApiError('ValidationException', `${opName}: ${issues}`);
    }
    send(res, 200, op.run(sfn, parsed.data as never));
  } catch (err) {
    if (err instanceof SfnApiError) return send(res, err.status, { __type: err.type, message: err.message });
    send(res, 500, { __type: 'InternalServerError', message: err instanceof Error ? err.message : String(err) });
  }
}

function seconds(ms: number): number {
  return ms / 1000;
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-RequestId': randomUUID() });
  res.end(JSON.stringify(body));
}

