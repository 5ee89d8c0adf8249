import path from 'node:path';
import AdmZip from 'adm-zip';
import { packageService } from './packaged';

// `serverless package --param workers=3` (osls) runs offline with no AWS credentials; the template
// it writes is what `sls deploy` would create: the plugin's queues and Redis included.

let outDir: string;
let resources: Record<string, { Type: string; Properties: Record<string, any> }>;

beforeAll(async () => {
  const packaged = await packageService('mlless', ['workers=3']); // shared with template-integrity.test.ts
  outDir = packaged.dir;
  resources = packaged.template.Resources;
}, 600_000);

const fn = (name: string) => resources[`${name}LambdaFunction`].Properties;

test('declares trigger, supervisor and worker on nodejs22.x arm64; neither supervisor nor worker is retried', () => {
  for (const name of ['Trigger', 'Supervisor', 'Worker']) {
    expect(fn(name).Runtime).toBe('nodejs22.x');
    expect(fn(name).Architectures).toEqual(['arm64']);
  }
  expect(fn('Supervisor').FunctionName).toBe('mltrain-mlless-dev-supervisor');
  expect(fn('Worker').Timeout).toBe(900);
  expect(resources.WorkerLambdaEvConf.Properties.MaximumRetryAttempts).toBe(0);
  expect(resources.SupervisorLambdaEvConf.Properties.MaximumRetryAttempts).toBe(0);
});

test('only the worker, which computes gradients, gets the native engine\'s layer', () => {
  const layers = (name: string) => (fn(name).Layers ?? []).map((l: { Ref: string }) => l.Ref);
  expect(layers('Worker')).toEqual(['TfjsLambdaLayer', 'NativeLambdaLayer']);
  expect([...layers('Trigger'), ...layers('Supervisor')]).not.toContain('NativeLambdaLayer');
  expect(resources.NativeLambdaLayer).toMatchObject({ Type: 'AWS::Lambda::LayerVersion', Properties: { CompatibleArchitectures: ['arm64'] } });
});

test('--param workers=3 gives three worker queues and the supervisor queue', () => {
  const queues = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::SQS::Queue').map(([id, r]) => [id, r.Properties.QueueName]);
  expect(queues.sort()).toEqual([
    ['MllessSupervisorQueue', 'mltrain-mlless-dev-supervisor'],
    ['MllessWorkerQueue0', 'mltrain-mlless-dev-worker-0'],
    ['MllessWorkerQueue1', 'mltrain-mlless-dev-worker-1'],
    ['MllessWorkerQueue2', 'mltrain-mlless-dev-worker-2'],
  ]);
  expect(resources.MllessRedis.Properties).toMatchObject({ Engine: 'redis', CacheNodeType: 'cache.t4g.micro', VpcSecurityGroupIds: [{ Ref: 'MltrainDataSecurityGroup' }] });
});

test('every function gets the queue URLs, the Redis address and the function names, and no secrets', () => {
  for (const name of ['Trigger', 'Supervisor', 'Worker']) {
    const vars = fn(name).Environment.Variables;
    expect(vars.MLLESS_SUPERVISOR_QUEUE_URL).toEqual({ Ref: 'MllessSupervisorQueue' });
    expect(vars.MLLESS_WORKER_QUEUE_URLS).toEqual({ 'Fn::Join': [',', [0, 1, 2].map((r) => ({ Ref: `MllessWorkerQueue${r}` }))] });
    expect(JSON.stringify(vars.MLLESS_REDIS_URL)).toContain('RedisEndpoint.Address');
    expect(vars.MLLESS_SUPERVISOR_FUNCTION).toBe('mltrain-mlless-dev-supervisor');
    expect(vars.MLTRAIN_WORKER_FUNCTION).toBe('mltrain-mlless-dev-worker');
    expect(JSON.stringify(vars)).not.toMatch(/SECRET|PASSWORD|KEY_ID/i);
  }
});

test('scopes IAM to the bucket, the three functions it invokes and the service\'s own queues', () => {
  const statements = resources.IamRoleLambdaExecution.Properties.Policies[0].PolicyDocument.Statement as any[];
  const sqs = statements.find((s) => s.Action.includes('sqs:ReceiveMessage'));
  expect(sqs.Action.sort()).toEqual(['sqs:DeleteMessage', 'sqs:ReceiveMessage', 'sqs:SendMessage']);
  expect(sqs.Resource['Fn::Sub']).toMatch(/:sqs:\$\{AWS::Region\}:\$\{AWS::AccountId\}:mltrain-mlless-dev-\*$/);
  const invoke = statements.filter((s) => [s.Action].flat().includes('lambda:InvokeFunction'));
  expect(invoke.flatMap((s) => [s.Resource].flat().map((r: any) => r['Fn::Sub'].split(':').pop())).sort())
    .toEqual(['mltrain-mlless-dev-runFailed', 'mltrain-mlless-dev-supervisor', 'mltrain-mlless-dev-worker']);
  // Both asynchronously invoked functions send their failures to runFailed, without retries.
  for (const fn of ['Supervisor', 'Worker']) {
    expect(resources[`${fn}LambdaEvConf`].Properties).toMatchObject({ MaximumRetryAttempts: 0, DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['RunFailedLambdaFunction', 'Arn'] } } } });
  }
  expect(JSON.stringify(statements)).not.toContain('"*"');
});

test('bundles the three handlers', () => {
  const entries = new AdmZip(path.join(outDir, 'mltrain-mlless.zip')).getEntries().map((e) => e.entryName);
  expect(entries).toEqual(expect.arrayContaining(['handlers/trigger.js', 'handlers/supervisor.js', 'handlers/worker.js']));
  expect(entries.some((e) => e.includes('node_modules/@aws-sdk'))).toBe(false);
});
