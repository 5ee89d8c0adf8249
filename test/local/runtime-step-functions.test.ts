import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalRuntime } from '../../lib/local/runtime';
import { pipeline } from '../fixtures/sfn-service/pipeline';

// The runtime starts the local Step Functions with the Lambda emulator: functions reach them through
// AWS_ENDPOINT_URL_SFN alone, executions call the functions, stop() aborts what still runs.

const SERVICE_DIR = path.join(__dirname, '..', 'fixtures', 'sfn-service');
let dir: string;
let runtime: LocalRuntime | undefined;

beforeAll(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'runtime-sfn-test-')); });
afterAll(async () => {
  await runtime?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('a function starts an execution through the environment alone; stop() aborts a running one', async () => {
  runtime = await LocalRuntime.start({ runDir: path.join(dir, 'run'), s3Dir: path.join(dir, 's3'), services: [SERVICE_DIR], stateMachines: { pipeline: pipeline(2) } });
  const { lambda, stepFunctions } = runtime;
  expect(runtime.env.AWS_ENDPOINT_URL_SFN).toBe(stepFunctions.endpoint);
  const stateMachineArn = 'arn:aws:states:us-east-1:000000000000:stateMachine:pipeline';
  expect(stepFunctions.stateMachineArn('pipeline')).toBe(stateMachineArn);

  const markerDir = mkdtempSync(path.join(dir, 'marker-'));
  const started = await lambda.invoke(runtime.functionName(SERVICE_DIR, 'starter'), { stateMachineArn, input: { ms: 50, markerDir, reject: false } });
  expect(started.functionError).toBeUndefined();
  const { executionArn } = started.payload as { executionArn: string };
  expect(executionArn).toMatch(/^arn:aws:states:us-east-1:000000000000:execution:pipeline:/);

  // During the Retry interval no function runs, yet the execution is alive: what the follow loop of
  // a local run must not mistake for the end of the run.
  let sawOnlyExecution = false;
  while (stepFunctions.running() > 0) {
    if (lambda.running() === 0) sawOnlyExecution = true;
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(sawOnlyExecution).toBe(true);

  const client = new SFNClient({ region: 'us-east-1', endpoint: runtime.env.AWS_ENDPOINT_URL_SFN, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const out = await client.send(new DescribeExecutionCommand({ executionArn }));
  client.destroy();
  expect(out.status).toBe('SUCCEEDED');
  expect(JSON.parse(out.output!).flaky).toEqual({ recovered: true });
  const statesLog = path.join(dir, 'run', 'logs', 'states-pipeline.jsonl');
  expect(readFileSync(statesLog, 'utf8')).toContain('"type":"ExecutionSucceeded"');
  expect(existsSync(path.join(dir, 'run', 'logs', 'work.jsonl'))).toBe(true);
  expect(stepFunctions.transitions()).toBe(1 + 2 + 2 + 1 + 1);

  const long = stepFunctions.startExecution({ stateMachineArn, name: 'long', input: JSON.stringify({ ms: 20_000, markerDir, reject: false }) });
  const t0 = Date.now();
  await runtime.stop();
  runtime = undefined;
  expect(Date.now() - t0).toBeLessThan(5000);
  expect(stepFunctions.describeExecution(long.executionArn)).toMatchObject({ status: 'ABORTED', error: 'States.Runtime' });
  expect(lambda.processes()).toEqual([]);
});
