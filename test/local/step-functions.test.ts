import {
  DescribeExecutionCommand, ExecutionAlreadyExists, ExecutionDoesNotExist, ListExecutionsCommand, SFNClient, StartExecutionCommand,
  StateMachineDoesNotExist, StopExecutionCommand, type DescribeExecutionCommandOutput,
} from '@aws-sdk/client-sfn';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalLambda } from '../../lib/local/lambda/emulator';
import { loadServiceDefinition } from '../../lib/local/lambda/service-definition';
import { LocalStepFunctions } from '../../lib/local/step-functions/local-step-functions';
import { fn, pipeline } from '../fixtures/sfn-service/pipeline';

// The local Step Functions through the AWS SDK's client, running the fixture service's handlers in
// the local Lambda emulator: Parallel branches, Choice, Retry of a transient error, Catch → Fail.

const SERVICE_DIR = path.join(__dirname, '..', 'fixtures', 'sfn-service');
const BRANCHES = 3;
const BRANCH_MS = 2000;

let lambda: LocalLambda;
let sfn: LocalStepFunctions;
let client: SFNClient;
let dir: string;
let machineArn: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sfn-test-'));
  const service = loadServiceDefinition(SERVICE_DIR, { stage: 'local', resources: {} });
  lambda = await LocalLambda.start({ services: [service], env: {}, logsDir: path.join(dir, 'logs') });
  sfn = await LocalStepFunctions.start({ lambda, logsDir: path.join(dir, 'logs'), stateMachines: { pipeline: pipeline(BRANCHES) }, region: 'us-east-1' });
  machineArn = sfn.stateMachineArn('pipeline');
  client = new SFNClient({ region: 'us-east-1', endpoint: sfn.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
});

afterAll(async () => {
  client?.destroy();
  await sfn?.stop();
  await lambda?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function finished(executionArn: string, deadlineMs = 30_000): Promise<DescribeExecutionCommandOutput> {
  const deadline = Date.now() + deadlineMs;
  for (let wait = 50; ; wait = Math.min(wait * 2, 500)) {
    const out = await client.send(new DescribeExecutionCommand({ executionArn }));
    if (out.status !== 'RUNNING') return out;
    if (Date.now() > deadline) throw new Error(`${executionArn} still running after ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, wait));
  }
}

function markerDir(name: string): string {
  const d = path.join(dir, name);
  require('node:fs').mkdirSync(d, { recursive: true });
  return d;
}

test('runs Parallel branches concurrently, retries a transient error and succeeds', async () => {
  const input = { ms: BRANCH_MS, markerDir: markerDir('ok'), reject: false };
  const t0 = Date.now();
  const started = await client.send(new StartExecutionCommand({ stateMachineArn: machineArn, name: 'ok-run', input: JSON.stringify(input) }));
  expect(started.executionArn).toBe('arn:aws:states:us-east-1:000000000000:execution:pipeline:ok-run');
  expect(started.startDate).toBeInstanceOf(Date);
  expect(sfn.running()).toBe(1);
  const out = await finished(started.executionArn!);
  expect(out.status).toBe('SUCCEEDED');
  expect(out.stopDate!.getTime()).toBeGreaterThanOrEqual(out.startDate!.getTime());
  expect(JSON.parse(out.input!)).toEqual(input);
  const output = JSON.parse(out.output!) as { branches: { branch: number; pid: number; startedAt: number; endedAt: number }[]; flaky: unknown };
  expect(output.flaky).toEqual({ recovered: true });
  expect(output.branches.map((b) => b.branch)).toEqual([0, 1, 2]);
  // Concurrent: separate processes, every branch started before any ended, well under the serial time.
  expect(new Set(output.branches.map((b) => b.pid)).size).toBe(BRANCHES);
  expect(Math.max(...output.branches.map((b) => b.startedAt))).toBeLessThan(Math.min(...output.branches.map((b) => b.endedAt)));
  expect(Date.now() - t0).toBeGreaterThanOrEqual(BRANCH_MS + 1000); // a branch, then the 1 s retry interval
  // Fan + 3 × Work + Flaky + its retry + Decide + Done
  expect(sfn.transitions(started.executionArn!)).toBe(1 + BRANCHES + 2 + 1 + 1);
  const flakyCalls = lambda.invocations().filter((r) => r.functionKey === 'flaky');
  expect(flakyCalls.map((r) => r.status)).toEqual(['failed', 'succeeded']);
});

test('a caught function error leads to the Fail state, reported with its error and cause', async () => {
  const before = sfn.transitions();
  const input = { ms: 10, markerDir: markerDir('rejected'), reject: true, why: 'bad batch' };
  const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn: machineArn, input: JSON.stringify(input) }));
  expect(executionArn).toMatch(/:execution:pipeline:[0-9a-f-]{36}$/); // no name: a uuid
  const out = await finished(executionArn!);
  expect(out).toMatchObject({ status: 'FAILED', error: 'Rejected', cause: 'rejected: bad batch' });
  expect(out.output).toBeUndefined();
  // Fan + 3 × Work + Flaky + retry + Decide + Reject + Failed
  expect(sfn.transitions(executionArn!)).toBe(1 + BRANCHES + 2 + 1 + 1 + 1);
  expect(sfn.transitions()).toBe(before + sfn.transitions(executionArn!));
  const states = readFileSync(path.join(dir, 'logs', 'states-pipeline.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const mine = states.filter((l) => l.execution === executionArn!.split(':').pop());
  expect(mine.filter((l) => l.type === 'StateEntered').map((l) => l.state)).toEqual(['Fan', 'Work0', 'Work1', 'Work2', 'Flaky', 'Decide', 'Reject', 'Failed']);
  expect(mine.find((l) => l.type === 'StateRetried')).toMatchObject({ state: 'Flaky', attempt: 1 });
  expect(mine.find((l) => l.type === 'StateCaught')).toMatchObject({ state: 'Reject', next: 'Failed' });
  expect(mine[mine.length - 1]).toMatchObject({ type: 'ExecutionFailed', error: 'Rejected' });
});

test('StartExecution is idempotent for the same name and input while running, and refuses a different input', async () => {
  const input = JSON.stringify({ ms: 1500, markerDir: markerDir('idem'), reject: false });
  const a = await client.send(new StartExecutionCommand({ stateMachineArn: machineArn, name: 'idem', input }));
  const b = await client.send(new StartExecutionCommand({ stateMachineArn: machineArn, name: 'idem', input }));
  expect(b.executionArn).toBe(a.executionArn);
  const other = await client.send(new StartExecutionCommand({ stateMachineArn: machineArn, name: 'idem', input: '{"ms":1}' })).catch((e: unknown) => e);
  expect(other).toBeInstanceOf(ExecutionAlreadyExists);
  expect((other as Error).message).toContain('different input');
  expect(sfn.executions().filter((e) => e.name === 'idem')).toHaveLength(1);
  expect((await finished(a.executionArn!)).status).toBe('SUCCEEDED');
  const again = await client.send(new StartExecutionCommand({ stateMachineArn: machineArn, name: 'idem', input })).catch((e: unknown) => e);
  expect(again).toBeInstanceOf(ExecutionAlreadyExists); // closed: the name is taken, as on AWS
});

test('StopExecution aborts a running execution; ListExecutions filters by status and pages', async () => {
  const { executionArn } = await client.send(new StartExecutionCommand({
    stateMachineArn: machineArn, name: 'to-stop', input: JSON.stringify({ ms: 5000, markerDir: markerDir('stop'), reject: false }),
  }));
  await client.send(new StopExecutionCommand({ executionArn, error: 'Operator', cause: 'stopped by the test' }));
  const out = await client.send(new DescribeExecutionCommand({ executionArn }));
  expect(out).toMatchObject({ status: 'ABORTED', error: 'Operator', cause: 'stopped by the test' });
  expect(sfn.running()).toBe(0);
  await sfn.whenIdle();

  const all = await client.send(new ListExecutionsCommand({ stateMachineArn: machineArn }));
  expect(all.executions!.map((e) => e.name)[0]).toBe('to-stop'); // newest first
  expect(all.executions).toHaveLength(sfn.executions().length);
  const aborted = await client.send(new ListExecutionsCommand({ stateMachineArn: machineArn, statusFilter: 'ABORTED' }));
  expect(aborted.executions!.map((e) => e.name)).toEqual(['to-stop']);
  const page1 = await client.send(new ListExecutionsCommand({ stateMachineArn: machineArn, maxResults: 2 }));
  expect(page1.executions).toHaveLength(2);
  expect(page1.nextToken).toBeDefined();
  const page2 = await client.send(new ListExecutionsCommand({ stateMachineArn: machineArn, maxResults: 2, nextToken: page1.nextToken }));
  expect([...page1.executions!, ...page2.executions!].map((e) => e.executionArn)).toEqual(all.executions!.slice(0, 4).map((e) => e.executionArn));
});

test('unknown machines and executions get the AWS error codes; a late-registered machine runs', async () => {
  const missing = await client.send(new StartExecutionCommand({ stateMachineArn: sfn.stateMachineArn('nope') })).catch((e: unknown) => e);
  expect(missing).toBeInstanceOf(StateMachineDoesNotExist);
  expect((missing as Error).message).toContain('registered: pipeline');
  const noExec = await client.send(new DescribeExecutionCommand({ executionArn: 'arn:aws:states:us-east-1:000000000000:execution:pipeline:ghost' })).catch((e: unknown) => e);
  expect(noExec).toBeInstanceOf(ExecutionDoesNotExist);
  const badInput = await client.send(new StartExecutionCommand({ stateMachineArn: machineArn, input: '{not json' })).catch((e: unknown) => e);
  expect((badInput as { name: string }).name).toBe('InvalidExecutionInput');

  const arn = sfn.register('single', { StartAt: 'One', States: { One: { Type: 'Task', Resource: fn('work'), End: true } } });
  const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn: arn, input: JSON.stringify({ branch: 7, ms: 1 }) }));
  const out = await finished(executionArn!);
  expect(JSON.parse(out.output!)).toMatchObject({ branch: 7 });
});

test('register refuses what cannot run locally, naming the state', () => {
  expect(() => sfn.register('bad-resource', { StartAt: 'Q', States: { Q: { Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage', End: true } } }))
    .toThrow(/definition\.States\.Q\.Resource arn:aws:states:::sqs:sendMessage is not a Lambda function/);
  expect(() => sfn.register('bad-path', { StartAt: 'P', States: { P: { Type: 'Pass', InputPath: 'no-dollar', End: true } } }))
    .toThrow(/state machine bad-path: State machine definition is invalid/);
  expect(() => sfn.register('clash', {
    StartAt: 'Par',
    States: { Par: { Type: 'Parallel', End: true, Branches: [
      { StartAt: 'T', States: { T: { Type: 'Task', Resource: fn('work'), End: true } } },
      { StartAt: 'T', States: { T: { Type: 'Task', Resource: fn('flaky'), End: true } } },
    ] } },
  })).toThrow(/state machine clash: .*DUPLICATE_STATE_NAMES.*: T/s);
  expect(() => sfn.register('object-resource', { StartAt: 'O', States: { O: { Type: 'Task', Resource: { 'Fn::GetAtt': ['work', 'Arn'] }, End: true } } }))
    .toThrow(/definition\.States\.O\.Resource must be a Lambda function name or ARN string/);
  expect(sfn.stateMachineNames()).toEqual(['pipeline', 'single']); // nothing refused was registered
});
