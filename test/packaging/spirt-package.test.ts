import { localRoundDefinition } from '../../lib/local/frameworks/spirt';
import { packageService } from './packaged';

// `serverless package` of services/spirt, offline, for N = 1, 4 and 20 batches: the template holds
// the plugin's state machine with N parallel gradient computations, and that definition is the one
// the local runtime executes (Task resources aside: function ARNs there, function names here).

type Template = { Resources: Record<string, { Type: string; Properties: Record<string, any> }>; Outputs: Record<string, unknown> };
const templates = new Map<number, Template>();

beforeAll(async () => {
  // Shared with template-integrity.test.ts through packaged.ts.
  for (const n of [1, 4, 20]) templates.set(n, (await packageService('spirt', [`batches=${n}`])).template as Template);
}, 900_000);

/** The packaged definition with each ${placeholder} resolved to the function key it stands for. */
function packagedDefinition(t: Template): Record<string, unknown> {
  const [json, vars] = t.Resources.RoundStateMachine.Properties.DefinitionString['Fn::Sub'] as [string, Record<string, { 'Fn::GetAtt': [string, string] }>];
  const keyOf = (logicalId: string) => Object.entries(t.Resources).find(([id]) => id === logicalId)?.[1].Properties.FunctionName.replace(/^mltrain-spirt-dev-/, '');
  return JSON.parse(json.replace(/\$\{(\w+)\}/g, (_, v: string) => keyOf(vars[v]['Fn::GetAtt'][0])));
}

test.each([1, 4, 20])('N = %i: the packaged state machine is the locally executed one, with N parallel branches', (n) => {
  const t = templates.get(n)!;
  const sm = t.Resources.RoundStateMachine;
  expect(sm.Type).toBe('AWS::StepFunctions::StateMachine');
  expect(sm.Properties.StateMachineName).toBe('mltrain-spirt-dev-round');
  const packaged = packagedDefinition(t) as { States: { ComputeGradients: { Branches: unknown[] } } };
  expect(packaged.States.ComputeGradients.Branches).toHaveLength(n);
  expect(packaged).toEqual(localRoundDefinition(n, (key) => key));
  // The trigger is told the same N, and refuses a run with another.
  expect(t.Resources.TriggerLambdaFunction.Properties.Environment.Variables.MLTRAIN_STATE_MACHINE_BATCHES).toBe(String(n));
});

test('the functions that build, train or evaluate the model get the native engine\'s layer, the others do not', () => {
  const t = templates.get(4)!;
  const withNative = Object.keys(t.Resources).filter((id) => id.endsWith('LambdaFunction')
    && (t.Resources[id].Properties.Layers ?? []).some((l: { Ref: string }) => l.Ref === 'NativeLambdaLayer'));
  expect(withNative.sort()).toEqual(['CheckDashconvergenceLambdaFunction', 'ComputeUnderscoregradientsLambdaFunction', 'InitUnderscoremodelLambdaFunction']);
});

test('the functions get names, not secrets, and the rights they need', () => {
  const t = templates.get(4)!;
  const names = ['Trigger', 'InitUnderscorepeers', 'InitUnderscoremodel', 'Auth', 'ComputeUnderscoregradients', 'TriggerUnderscoreAverageUnderscoreGradientUnderscoresync',
    'CheckUnderscoreheartbeat', 'Aggregation', 'TriggerUnderscoreupdateUnderscoremodel', 'CheckDashconvergence', 'UpdateUnderscoreTriggerUnderscoreNextUnderscoreepoch'];
  for (const name of names) {
    const fn = t.Resources[`${name}LambdaFunction`].Properties;
    expect(fn.Architectures).toEqual(['arm64']);
    expect(fn.Runtime).toBe('nodejs22.x');
    expect(fn.Environment.Variables).toMatchObject({
      MLTRAIN_STATE_MACHINE_NAME: 'mltrain-spirt-dev-round', MLTRAIN_PEER_DIRECTORY: 'ssm:/mltrain-spirt/dev/peers', MLTRAIN_BUCKET: { Ref: 'DataBucket' },
    });
    expect(JSON.stringify(fn.Environment)).not.toMatch(/password|secret/i);
  }
  const policy = JSON.stringify(t.Resources.IamRoleLambdaExecution.Properties.Policies);
  for (const action of ['states:StartExecution', 'sqs:CreateQueue', 'ssm:GetParameter', 'secretsmanager:GetSecretValue', 'lambda:InvokeFunction']) expect(policy).toContain(action);
  expect(policy).not.toMatch(/"Action":"\*"|"sqs:\*"|"s3:\*"/);
  // The two functions started asynchronously (init_peers, init_model) send a failure, after two
  // retries of their idempotent steps, to runFailed; the round's functions fail through Step Functions.
  const evConfs = Object.entries(t.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::EventInvokeConfig');
  expect(evConfs.map(([id]) => id).sort()).toEqual(['InitUnderscoremodelLambdaEvConf', 'InitUnderscorepeersLambdaEvConf']);
  for (const [, conf] of evConfs) {
    expect(conf.Properties).toMatchObject({ MaximumRetryAttempts: 2, DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['RunFailedLambdaFunction', 'Arn'] } } } });
  }
  // init_peers warms each of the round's functions and waits for the answers (RequestResponse).
  const statements = (t.Resources.IamRoleLambdaExecution.Properties.Policies as { PolicyDocument: { Statement: { Sid?: string; Action: string[]; Resource: { 'Fn::Sub': string }[] }[] } }[])
    .flatMap((p) => p.PolicyDocument.Statement);
  const warmUps = statements.find((s) => s.Sid === 'SynchronousInvocations')!;
  expect(warmUps.Action).toEqual(['lambda:InvokeFunction']);
  expect(warmUps.Resource.map((r) => r['Fn::Sub'].split(':function:mltrain-spirt-dev-')[1]).sort()).toEqual(
    ['Aggregation', 'Trigger_Average_Gradient_sync', 'Trigger_update_model', 'Update_Trigger_Next_epoch', 'auth', 'check-convergence', 'check_heartbeat', 'compute_gradients'],
  );
});

test('one EC2 peer database per peer: Redis with the tensor module, generated password, 6379 from the functions only', () => {
  const t = templates.get(4)!;
  const instances = Object.entries(t.Resources).filter(([, r]) => r.Type === 'AWS::EC2::Instance');
  expect(instances.map(([id]) => id).sort()).toEqual(['PeerDatabase0', 'PeerDatabase1', 'PeerDatabase2', 'PeerDatabase3']);
  const peer = t.Resources.PeerDatabase0.Properties;
  expect(peer.InstanceType).toBe('t4g.small');
  expect(peer.ImageId).toContain('al2023-ami-kernel-default-arm64');
  const script = peer.UserData['Fn::Base64']['Fn::Sub'][0] as string;
  for (const step of ['make -C /opt/mltrain-tensor', 'loadmodule /opt/mltrain-tensor/build/mltrain_tensor.so', 'appendonly yes', 'requirepass', 'secretsmanager get-secret-value']) expect(script).toContain(step);
  expect(t.Resources.PeerDatabase0Password).toMatchObject({ Type: 'AWS::SecretsManager::Secret', Properties: { Name: 'mltrain-spirt/dev/peers/peer-0/password' } });
  expect(t.Resources.PeerDatabase0Endpoint.Properties).toMatchObject({ Name: '/mltrain-spirt/dev/peers/peer-0/endpoint', Type: 'String' });
  expect(t.Resources.PeerDatabaseIngress.Properties).toMatchObject({
    FromPort: 6379, ToPort: 6379, GroupId: { Ref: 'MltrainDataSecurityGroup' }, SourceSecurityGroupId: { Ref: 'MltrainFunctionSecurityGroup' },
  });
});
