import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import path from 'node:path';
import { readDeclaredResources } from '../../lib/local/lambda/service-definition';
import { createLocalResources, loadLocalServices } from '../../lib/local/resources';
import { startServers, type ServerSet } from '../../lib/local/servers';

// A service's declared resources (serverless.yml + what the plugin generates) get local stand-ins,
// and the functions' environment points at them exactly where CloudFormation would point at AWS.

const MLLESS = path.join(__dirname, '..', '..', 'services', 'mlless');
let servers: ServerSet;
let sqs: SQSClient;
beforeAll(async () => {
  servers = await startServers(['sqs', 'redis']);
  sqs = new SQSClient({ region: 'us-east-1', endpoint: servers.servers.sqs!.endpoint, credentials: { accessKeyId: 't', secretAccessKey: 't' } });
});
afterAll(async () => {
  sqs.destroy();
  await servers.stop();
});

test('the deployment parameter decides how many worker queues the service declares', () => {
  const ids = (workers: string) => Object.keys(readDeclaredResources(MLLESS, { stage: 'local', params: { workers } })).filter((id) => id.startsWith('MllessWorkerQueue')).sort();
  expect(ids('2')).toEqual(['MllessWorkerQueue0', 'MllessWorkerQueue1']);
  expect(ids('5')).toHaveLength(5);
  const declared = readDeclaredResources(MLLESS, { stage: 'local', params: { workers: '1' } });
  expect(declared.DataBucket.Type).toBe('AWS::S3::Bucket');
  expect(declared.MllessWorkerQueue0.Properties!.QueueName).toBe('mltrain-mlless-local-worker-0');
});

test('queues are created locally and every function gets their URLs and the local Redis', async () => {
  const { services, resources } = await loadLocalServices([MLLESS], { stage: 'local', params: { workers: '3' }, servers, buckets: { DataBucket: 'local-bucket' } });
  const env = services[0].functions.worker.environment;
  expect(env.MLTRAIN_BUCKET).toBe('local-bucket');
  expect(env.MLLESS_REDIS_URL).toBe(`redis://127.0.0.1:${servers.servers.redis!.port}`);
  const urls = env.MLLESS_WORKER_QUEUE_URLS.split(',');
  expect(urls).toHaveLength(3);
  for (let rank = 0; rank < 3; rank++) {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: `mltrain-mlless-local-worker-${rank}` }));
    expect(urls[rank]).toBe(QueueUrl);
  }
  expect(services[0].functions.trigger.environment.MLLESS_SUPERVISOR_QUEUE_URL).toBe(resources[0].refs.MllessSupervisorQueue);
  expect(resources[0].attributes.MllessSupervisorQueue.Arn).toBe('arn:aws:sqs:us-east-1:123456789012:mltrain-mlless-local-supervisor');
});

test('a resource with no local server, or none at all, is an error naming it', async () => {
  const noSqs = await startServers(['redis']);
  try {
    await expect(createLocalResources({ Q: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'q' } } }, { servers: noSqs, buckets: {} }, 'svc'))
      .rejects.toThrow("svc declares the queue Q, but no local SQS server runs: list 'sqs' in the framework's servers");
    await expect(createLocalResources({ C: { Type: 'AWS::ElastiCache::CacheCluster', Properties: { Engine: 'memcached' } } }, { servers: noSqs, buckets: {} }, 'svc'))
      .rejects.toThrow("svc declares the memcached cache C, but no local memcached server runs");
  } finally {
    await noSqs.stop();
  }
  // Networking has no local stand-in: nothing is created, so a reference to it would fail by name.
  const local = await createLocalResources({ Sg: { Type: 'AWS::EC2::SecurityGroup' } }, { servers, buckets: {} }, 'svc');
  expect(local).toEqual({ refs: {}, attributes: {} });
});
