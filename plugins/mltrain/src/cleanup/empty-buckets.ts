import type { CfnResources } from '../network/types';

// `sls remove` must leave nothing billable, but CloudFormation cannot delete a bucket that still
// holds objects (datasets, runs). custom.mltrain.emptyOnRemove lists the buckets a small custom
// resource empties when the stack is deleted: it depends on each bucket, so CloudFormation deletes
// (runs) it before the bucket; resources that write to a bucket (the GPU instance) depend on it in
// turn, so they are gone before it empties the bucket.

export const EMPTIER_IDS = {
  function: 'MltrainEmptyBucketsFunction',
  role: 'MltrainEmptyBucketsRole',
  logGroup: 'MltrainEmptyBucketsLogGroup',
} as const;

export const emptierResourceId = (bucket: string) => `${bucket}Emptier`;

/** The function's code, inline (CloudFormation ZipFile, at most 4096 characters): AWS SDK v3 from the runtime. */
export const EMPTIER_SOURCE = `'use strict';
const { S3Client, ListObjectsV2Command, DeleteObjectsCommand } = require('@aws-sdk/client-s3');
const s3 = new S3Client({ forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3) });

async function empty(bucket) {
  let deleted = 0;
  let token;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    const objects = (page.Contents || []).map((o) => ({ Key: o.Key }));
    if (objects.length) {
      const out = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }));
      if (out.Errors && out.Errors.length) throw new Error('could not delete ' + out.Errors[0].Key + ': ' + out.Errors[0].Message);
      deleted += objects.length;
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return deleted;
}

function respond(event, status, reason) {
  const body = JSON.stringify({
    Status: status, Reason: reason, PhysicalResourceId: event.PhysicalResourceId || event.LogicalResourceId + '-' + event.ResourceProperties.Bucket,
    StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId, Data: {},
  });
  const url = new URL(event.ResponseURL);
  const client = require(url.protocol === 'http:' ? 'node:http' : 'node:https');
  return new Promise((resolve, reject) => {
    const req = client.request(url, { method: 'PUT', headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end(body);
  });
}

exports.handler = async (event) => {
  let status = 'SUCCESS';
  let reason = event.RequestType + ': nothing to do';
  try {
    if (event.RequestType === 'Delete') reason = 'emptied ' + event.ResourceProperties.Bucket + ': ' + (await empty(event.ResourceProperties.Bucket)) + ' objects deleted';
  } catch (err) {
    if (err && err.name === 'NoSuchBucket') reason = 'bucket already gone';
    else { status = 'FAILED'; reason = String((err && err.message) || err).slice(0, 500); }
  }
  console.log(JSON.stringify({ level: status === 'SUCCESS' ? 'info' : 'error', message: reason, requestType: event.RequestType }));
  await respond(event, status, reason);
};
`;

export interface EmptierOptions {
  buckets: string[];
  name: string;
  logRetentionInDays: number;
}

export function emptyBucketResources(opts: EmptierOptions): CfnResources {
  if (opts.buckets.length === 0) return {};
  if (EMPTIER_SOURCE.length > 4096) throw new Error(`the bucket emptier's inline code is ${EMPTIER_SOURCE.length} characters; CloudFormation allows 4096`);
  const functionName = `${opts.name}-empty-buckets`;
  const r: CfnResources = {
    [EMPTIER_IDS.logGroup]: {
      Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: `/aws/lambda/${functionName}`, RetentionInDays: opts.logRetentionInDays },
    },
    [EMPTIER_IDS.role]: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
        Policies: [{
          PolicyName: 'empty-buckets',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: opts.buckets.map((b) => ({ 'Fn::GetAtt': [b, 'Arn'] })) },
              { Effect: 'Allow', Action: ['s3:DeleteObject'], Resource: opts.buckets.map((b) => ({ 'Fn::Sub': `\${${b}.Arn}/*` })) },
              { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [EMPTIER_IDS.logGroup, 'Arn'] } },
            ],
          },
        }],
      },
    },
    [EMPTIER_IDS.function]: {
      Type: 'AWS::Lambda::Function',
      DependsOn: [EMPTIER_IDS.logGroup],
      Properties: {
        FunctionName: functionName, Description: 'Empties the service buckets when the stack is removed (sls remove)',
        Runtime: 'nodejs22.x', Architectures: ['arm64'], Handler: 'index.handler', MemorySize: 256, Timeout: 900,
        Role: { 'Fn::GetAtt': [EMPTIER_IDS.role, 'Arn'] }, Code: { ZipFile: EMPTIER_SOURCE },
      },
    },
  };
  for (const bucket of opts.buckets) {
    r[emptierResourceId(bucket)] = {
      Type: 'Custom::MltrainEmptyBucket',
      Properties: { ServiceToken: { 'Fn::GetAtt': [EMPTIER_IDS.function, 'Arn'] }, Bucket: { Ref: bucket } },
    };
  }
  return r;
}

/** Makes each writer depend on the emptiers, so CloudFormation deletes the writer first. */
export function deleteBeforeEmptying(resources: Record<string, { DependsOn?: string | string[] }>, writers: string[], buckets: string[]): void {
  for (const writer of writers) {
    const resource = resources[writer];
    if (!resource) continue;
    const existing = resource.DependsOn === undefined ? [] : [resource.DependsOn].flat();
    resource.DependsOn = [...new Set([...existing, ...buckets.map(emptierResourceId)])];
  }
}
