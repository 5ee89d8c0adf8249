import { serviceBillables } from '../../plugins/mltrain/src/billing/service-billables';
import { runLabel } from '../../lib/compare/comparison';
import { estimateCost, stepFunctionsCost } from '../../lib/metrics/cost';
import { deployedForRun } from '../../lib/metrics/deployment';
import { acceleratorNote } from '../../lib/metrics/results';
import { emptyTraffic } from '../../lib/metrics/traffic';

// The cost model counts what each service deploys (read from the plugin's builders) and what a run
// uses, each part priced from lib/metrics/prices.ts.

const types = (list: { type: string; count: number }[]) => list.map((e) => [e.type, e.count]);

test('what each service keeps running comes from the resources the plugin generates for it', () => {
  const spirt = deployedForRun('spirt', { workers: 3 });
  expect(types(spirt.instances)).toEqual([['t4g.small', 3]]);
  expect(spirt.interfaceEndpoints.map((e) => [e.service, e.azs])).toEqual([['lambda', 2], ['secretsmanager', 2], ['sqs', 2], ['ssm', 2], ['states', 2]]);
  const mlless = deployedForRun('mlless', { workers: 4 });
  expect([types(mlless.cacheNodes), mlless.interfaceEndpoints.map((e) => e.service), mlless.functionsInVpc]).toEqual([[['cache.t4g.micro', 1]], ['lambda', 'sqs'], true]);
  expect(types(deployedForRun('allreduce', { channel: 'memcached' }).cacheNodes)).toEqual([['cache.t4g.medium', 1]]);
  expect(deployedForRun('scatter-reduce', { channel: 'dynamodb' }).dynamoTables).toEqual(['ChannelTable']);
  expect(deployedForRun('allreduce', { channel: 's3' })).toEqual({ instances: [], cacheNodes: [], interfaceEndpoints: [], dynamoTables: [], functionsInVpc: false });
  expect(deployedForRun('ps', {}).instances).toEqual([{ type: 'c7g.large', count: 1, ids: ['MltrainParameterServer'], whileRunningOnly: false }]);
  expect(serviceBillables('gpu', { instanceType: 'g5.xlarge' }).instances).toEqual([{ type: 'g5.xlarge', count: 1, ids: ['MltrainGpuInstance'], whileRunningOnly: true }]);
});

test('every part of a SPIRT-like run is priced: instances, endpoints, transfers, requests, functions', () => {
  const traffic = emptyTraffic();
  traffic.requests.sqs = 1e6;
  traffic.bytesByKind.sqs = { written: 1e9, read: 1e9 };
  traffic.bytesByKind.redis = { written: 3e9, read: 1e9 };
  traffic.requests.s3 = 3000;
  traffic.s3WriteRequests = 1000;
  const cost = estimateCost({
    invocations: [{ memoryMb: 1024, seconds: 1000 }, { memoryMb: 2048, seconds: 500 }], traffic, wallSeconds: 1800,
    deployed: deployedForRun('spirt', { workers: 4 }), stepFunctions: { workflow: 'standard', transitions: 40_000, executionSeconds: [10, 20] },
  });
  const b = cost.breakdown;
  expect(b.lambda).toBeCloseTo(2000 * 0.0000133334 + 2 * 0.2e-6, 12);
  expect(b.stepFunctions).toBeCloseTo(40_000 * 0.000025, 12);
  expect(b.sqs).toBeCloseTo(0.4, 12);
  expect(b.s3).toBeCloseTo(1000 * 0.000005 + 2000 * 0.0000004, 12);
  expect(b.ec2).toBeCloseTo(4 * 0.0168 * 0.5, 12); // four peer databases for half an hour
  expect(b.vpcEndpoints).toBeCloseTo(5 * 2 * 0.01 * 0.5 + 2 * 0.01, 12); // 5 endpoints × 2 AZs, plus 2 GB of SQS messages
  expect(b.dataTransfer).toBeCloseTo(2 * 2 * 0.01, 12); // half of 4 GB crosses AZs, charged both ways
  expect([b.dynamodb, b.elastiCache]).toEqual([0, 0]);
  expect(cost.usd).toBeCloseTo(Object.values(b).reduce((x, y) => x + y, 0), 12);
  expect(cost.idleUsdPerHour).toBeCloseTo(4 * 0.0168 + 10 * 0.01, 12);
});

test('DynamoDB request units from the bytes moved; ElastiCache node hours', () => {
  const traffic = emptyTraffic();
  traffic.bytesByKind.dynamodb = { written: 1024 * 1e6, read: 4096 * 2e6 };
  const dynamo = estimateCost({ invocations: [], traffic, wallSeconds: 3600, deployed: deployedForRun('allreduce', { channel: 'dynamodb' }) });
  expect(dynamo.breakdown.dynamodb).toBeCloseTo(1e6 * 0.625e-6 + 2e6 * 0.125e-6, 12);
  const cache = estimateCost({ invocations: [], traffic: emptyTraffic(), wallSeconds: 7200, deployed: deployedForRun('mlless', { workers: 2 }) });
  expect(cache.breakdown.elastiCache).toBeCloseTo(2 * 0.016, 12);
});

test('Express: per execution plus 64 MB × duration in 100 ms steps; Standard: per transition', () => {
  const c = stepFunctionsCost({ workflow: 'express', transitions: 1000, executionSeconds: [2.01, 0.05, 10] });
  expect(c.expressGbSeconds).toBeCloseTo((2.1 + 0.1 + 10) * 0.0625, 12);
  expect(c.expressUsd).toBeCloseTo(3 * 1e-6 + c.expressGbSeconds * 0.00001667, 12);
  expect(c.standardUsd).toBeCloseTo(1000 * 0.000025, 12);
  const run = estimateCost({ invocations: [], traffic: emptyTraffic(), wallSeconds: 1, deployed: deployedForRun('allreduce', {}), stepFunctions: { workflow: 'express', transitions: 1000, executionSeconds: [1] } });
  expect(run.breakdown.stepFunctions).toBeCloseTo(1e-6 + 0.0625 * 0.00001667, 12);
});

test('an instance type without a price is refused by name', () => {
  expect(() => estimateCost({ invocations: [], traffic: emptyTraffic(), wallSeconds: 1, deployed: serviceBillables('gpu', { instanceType: 'p5.48xlarge' }) }))
    .toThrow('no price for EC2 instance type p5.48xlarge in lib/metrics/prices.ts');
});

test('the GPU baseline says what trained it, and is never shown as a GPU when it was not one', () => {
  const cpu = acceleratorNote('gpu', 'wasm').accelerator!;
  expect(cpu).toMatchObject({ gpu: false, label: 'no GPU: wasm on CPU' });
  expect(cpu.note).toContain('not on a GPU');
  expect(runLabel({ framework: 'gpu', accelerator: cpu })).toBe('gpu (no GPU: wasm on CPU)');
  expect(acceleratorNote('gpu', 'tensorflow').accelerator!.gpu).toBe(false); // tfjs-node on CPU has this name too
  expect(acceleratorNote('gpu', 'tensorflow-gpu').accelerator!.gpu).toBe(true);
  expect(acceleratorNote('allreduce', 'wasm')).toEqual({});
});
