import { execFileSync } from 'node:child_process';
import { bootstrapBody, DEFAULT_AMI_PARAMETER, GPU_IDS, gpuInstanceTemplate } from '../../plugins/mltrain/src/ec2/gpu-instance';

const ctx = {
  service: 'mltrain-gpu', stage: 'dev', logRetentionInDays: 14, artifactDirectoryName: 'serverless/mltrain-gpu/dev/123-2026', nativePackage: '@tensorflow/tfjs-node-gpu@4.22.0',
};
const { resources, parameters, outputs } = gpuInstanceTemplate({ instanceType: 'g4dn.xlarge', bucket: 'DataBucket' }, ctx);
const props = (id: string) => resources[id].Properties as Record<string, any>;
const userData = () => props(GPU_IDS.instance).UserData['Fn::Base64']['Fn::Join'][1] as [{ 'Fn::Sub': string }, string];

test('a GPU instance from the Deep Learning AMI, looked up in SSM by CloudFormation, that stops when it shuts down', () => {
  expect(props(GPU_IDS.instance)).toMatchObject({
    InstanceType: 'g4dn.xlarge', ImageId: { Ref: GPU_IDS.amiParameter }, InstanceInitiatedShutdownBehavior: 'stop',
    IamInstanceProfile: { Ref: GPU_IDS.profile }, SubnetId: { Ref: 'MltrainPublicSubnet' }, SecurityGroupIds: [{ Ref: GPU_IDS.securityGroup }],
  });
  expect(parameters[GPU_IDS.amiParameter]).toMatchObject({ Type: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>', Default: DEFAULT_AMI_PARAMETER });
  expect(DEFAULT_AMI_PARAMETER).toBe('/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-amazon-linux-2023/latest/ami-id');
  expect(props(GPU_IDS.launchTemplate).LaunchTemplateData.MetadataOptions).toMatchObject({ HttpTokens: 'required' });
  expect(outputs).toHaveProperty('GpuInstanceId.Value', { Ref: GPU_IDS.instance });
});

test('its security group admits nothing; it may only reach out over HTTP(S)', () => {
  const sg = props(GPU_IDS.securityGroup);
  expect(sg.SecurityGroupIngress).toBeUndefined();
  expect(sg.SecurityGroupEgress.map((e: { IpProtocol: string; FromPort: number }) => `${e.IpProtocol}/${e.FromPort}`)).toEqual(['tcp/443', 'tcp/80']);
  expect(sg.VpcId).toEqual({ Ref: 'MltrainVpc' });
});

test('its profile reaches only the data bucket, this service\'s deployments, the bundle parameter and its log group', () => {
  const statements = props(GPU_IDS.role).Policies[0].PolicyDocument.Statement as { Action: string[]; Resource: unknown }[];
  expect(statements.map((s) => [s.Action, s.Resource])).toEqual([
    [['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], { 'Fn::Sub': '${DataBucket.Arn}/*' }],
    [['s3:ListBucket'], { 'Fn::GetAtt': ['DataBucket', 'Arn'] }],
    [['s3:GetObject'], { 'Fn::Sub': ['arn:${AWS::Partition}:s3:::${Bucket}/serverless/mltrain-gpu/dev/*', { Bucket: { Ref: 'ServerlessDeploymentBucket' } }] }],
    [['ssm:GetParameter'], { 'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/mltrain/mltrain-gpu/dev/gpu-trainer-bundle' }],
    [['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'], { 'Fn::GetAtt': [GPU_IDS.logGroup, 'Arn'] }],
  ]);
  expect(JSON.stringify(statements)).not.toMatch(/"\*"|ec2:|iam:/);
  expect(props(GPU_IDS.role).AssumeRolePolicyDocument.Statement[0].Principal).toEqual({ Service: 'ec2.amazonaws.com' });
  expect(props(GPU_IDS.logGroup)).toEqual({ LogGroupName: '/mltrain/mltrain-gpu-dev/gpu-trainer', RetentionInDays: 14 });
});

test('the bundle\'s location is a parameter, so a deploy changes the parameter and never the user data', () => {
  expect(resources[GPU_IDS.bundleParameter].Metadata).toEqual({ 'mltrain:artifact': 'gpu-trainer.zip' });
  expect(props(GPU_IDS.bundleParameter).Value).toEqual({ 'Fn::Sub': ['s3://${Bucket}/serverless/mltrain-gpu/dev/123-2026/gpu-trainer.zip', { Bucket: { Ref: 'ServerlessDeploymentBucket' } }] });
  const next = gpuInstanceTemplate({ instanceType: 'g4dn.xlarge', bucket: 'DataBucket' }, { ...ctx, artifactDirectoryName: 'serverless/mltrain-gpu/dev/456-2026' });
  expect(next.resources[GPU_IDS.instance]).toEqual(resources[GPU_IDS.instance]);
});

test('the user data installs the every-boot job runner that powers off, and carries names only', () => {
  const [header, body] = userData();
  expect(header['Fn::Sub']).toContain('MLTRAIN_BUCKET=${DataBucket}');
  expect(header['Fn::Sub']).toContain('MLTRAIN_NATIVE_PACKAGE=@tensorflow/tfjs-node-gpu@4.22.0');
  expect(header['Fn::Sub']).not.toMatch(/SECRET|PASSWORD|KEY_ID/i);
  expect(body).toContain("cat > /opt/mltrain/run-jobs.sh <<'MLTRAIN_EOF'");
  expect(body).toContain('shutdown -h now');
  expect(body).toContain('node "$HOME_DIR/app/gpu-job.js" --queue');
  expect(body).toContain('systemctl enable mltrain-jobs.service');
  expect(body).toContain('amazon-cloudwatch-agent');
  const script = header['Fn::Sub'].replace(/\$\{[^}]+\}/g, 'x') + body;
  expect(Buffer.byteLength(script)).toBeLessThan(16 * 1024); // EC2's user-data limit
  execFileSync('bash', ['-n'], { input: script }); // the whole script parses
  expect(bootstrapBody()).toBe(body);
});

test('takes another instance type, a bigger root volume and another AMI parameter from the configuration', () => {
  const custom = gpuInstanceTemplate({ instanceType: 'g5.xlarge', bucket: 'Data', amiParameter: '/my/ami', rootVolumeGb: 200, maxHours: 2 }, ctx);
  expect(custom.resources[GPU_IDS.instance].Properties).toMatchObject({
    InstanceType: 'g5.xlarge', BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 200, VolumeType: 'gp3', DeleteOnTermination: true } }],
  });
  expect(custom.parameters[GPU_IDS.amiParameter]).toMatchObject({ Default: '/my/ami' });
  const header = (custom.resources[GPU_IDS.instance].Properties as any).UserData['Fn::Base64']['Fn::Join'][1][0]['Fn::Sub'];
  expect(header).toContain('MLTRAIN_BUCKET=${Data}');
  expect(header).toContain('MLTRAIN_MAX_HOURS=2');
});
