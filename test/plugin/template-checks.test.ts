import { templateProblems, type Template } from '../../plugins/mltrain/src/verify';
import { ACTIONS_ON_ANY_RESOURCE } from '../../plugins/mltrain/src/verify/iam';

// The template checks catch what they are for: each planted fault gives exactly its message.

const role = (statement: object) => ({
  Type: 'AWS::IAM::Role',
  Properties: {
    AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
    Policies: [{ PolicyName: 'p', PolicyDocument: { Version: '2012-10-17', Statement: [statement] } }],
  },
});

function sound(): Template {
  return {
    Parameters: { Size: { Type: 'String' } },
    Resources: {
      Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: { 'Fn::Sub': '${AWS::StackName}-${Size}' }, VisibilityTimeout: 60 } },
      Table: {
        Type: 'AWS::DynamoDB::Table',
        DependsOn: 'Queue',
        Properties: { KeySchema: [{ AttributeName: 'k', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'k', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' },
      },
      Role: role({ Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: { 'Fn::GetAtt': ['Queue', 'Arn'] } }),
      Machine: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: {
          RoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] },
          DefinitionString: { 'Fn::Sub': ['{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${Fn}","End":true}}}', { Fn: { 'Fn::GetAtt': ['Role', 'Arn'] } }] },
        },
      },
    },
    Outputs: { QueueUrl: { Value: { Ref: 'Queue' } } },
  };
}

test('a sound template has no problem', () => {
  expect(templateProblems(sound())).toEqual([]);
});

test('a dangling Ref, GetAtt, Sub variable or DependsOn is named with where it is', () => {
  const t = sound();
  t.Resources.Queue.Properties!.RedrivePolicy = { deadLetterTargetArn: { 'Fn::GetAtt': ['Dlq', 'Arn'] } };
  t.Resources.Table.DependsOn = 'Nothing';
  t.Outputs!.Missing = { Value: { Ref: 'MltrainDataSecurityGroup' } };
  t.Outputs!.Attr = { Value: { 'Fn::Sub': '${Queue.Address}' } };
  expect(templateProblems(t)).toEqual([
    'Resources.Queue.RedrivePolicy.deadLetterTargetArn: Fn::GetAtt Dlq.Arn names no resource',
    'Resources.Table: DependsOn Nothing names no resource',
    'Outputs.Missing.Value: Ref MltrainDataSecurityGroup names no resource or parameter',
    'Outputs.Attr.Value (Fn::Sub): Fn::GetAtt Queue.Address: AWS::SQS::Queue has no attribute Address (it has Arn, QueueName, QueueUrl)',
  ]);
});

test('a misspelt property, a missing required one, a nested one and an unknown type are refused', () => {
  const t = sound();
  t.Resources.Queue.Properties = { QueueName: 'q', VisibilityTimout: 60 };
  delete t.Resources.Table.Properties!.KeySchema;
  (t.Resources.Table.Properties!.AttributeDefinitions as object[])[0] = { AttributeName: 'k', AttributeTyp: 'S' };
  t.Resources.Cache = { Type: 'AWS::ElastiCache::Cluster', Properties: {} };
  expect(templateProblems(t)).toEqual([
    'Resources.Queue: AWS::SQS::Queue has no property VisibilityTimout (did you mean VisibilityTimeout?)',
    'Resources.Table: AWS::DynamoDB::Table requires KeySchema',
    'Resources.Table.AttributeDefinitions[0]: AttributeDefinition requires AttributeType',
    'Resources.Table.AttributeDefinitions[0]: AttributeDefinition has no property AttributeTyp (did you mean AttributeType?)',
    expect.stringMatching(/^Resources\.Cache: AWS::ElastiCache::Cluster is not a resource type \(CloudFormation specification \d+/),
  ]);
});

test('IAM: a "*" or wildcard action, or "*" resources beyond the listed actions, are refused', () => {
  for (const [statement, problem] of [
    [{ Effect: 'Allow', Action: '*', Resource: { 'Fn::GetAtt': ['Queue', 'Arn'] } }, 'action * is a wildcard; name the actions'],
    [{ Effect: 'Allow', Action: ['sqs:*'], Resource: { 'Fn::GetAtt': ['Queue', 'Arn'] } }, 'action sqs:* is a wildcard; name the actions'],
    [{ Effect: 'Allow', Action: ['sqs:SendMessage', 'ec2:DescribeNetworkInterfaces'], Resource: '*' }, 'Resource "*" for sqs:SendMessage; scope it to the resources they touch'],
  ] as const) {
    const t = sound();
    t.Resources.Role = role(statement);
    expect(templateProblems(t)).toEqual([`Resources.Role.Policies[0].PolicyDocument.Statement[0]: ${problem}`]);
  }
  const t = sound();
  t.Resources.Role = role({ Effect: 'Allow', Action: Object.keys(ACTIONS_ON_ANY_RESOURCE).filter((a) => a.startsWith('ec2:')), Resource: '*' });
  expect(templateProblems(t)).toEqual([]);
});

test('a state machine that is not valid Amazon States Language is refused', () => {
  const t = sound();
  t.Resources.Machine.Properties!.DefinitionString = '{"StartAt":"A","States":{"A":{"Type":"Tusk","End":true}}}';
  expect(templateProblems(t)).toEqual([expect.stringMatching(/^Resources\.Machine: not valid Amazon States Language: /)]);
});
