import { billablesOf } from '../../plugins/mltrain/src/billing/billables';
import { serviceBillables } from '../../plugins/mltrain/src/billing/service-billables';
import { templateProblems } from '../../plugins/mltrain/src/verify';
import { packageService } from './packaged';

// Every service, packaged with each value of each --param it takes (both ends of numeric ranges),
// gives a template CloudFormation would accept and that grants no wildcard: references resolve,
// types, properties and attributes exist in the CloudFormation specification, state machines are
// valid Amazon States Language (plugins/mltrain/src/verify). Packagings are shared with the other
// packaging tests through packaged.ts; the checks themselves take milliseconds.

export const VARIANTS: [service: string, params: string[]][] = [
  ['allreduce', []],
  ['allreduce', ['channel=redis']],
  ['allreduce', ['channel=memcached']],
  ['allreduce', ['channel=dynamodb']],
  ['scatter-reduce', []],
  ['scatter-reduce', ['channel=redis']],
  ['scatter-reduce', ['channel=memcached']],
  ['scatter-reduce', ['channel=dynamodb']],
  ['spirt', ['batches=1']],
  ['spirt', ['batches=4']],
  ['spirt', ['batches=20']],
  ['spirt', ['batches=64', 'peers=64', 'workflow=express']],
  ['spirt', ['peers=1', 'workflow=standard']],
  ['mlless', ['workers=1']],
  ['mlless', ['workers=3']],
  ['mlless', ['workers=32']],
  ['ps', ['psInstanceType=t4g.small']],
  ['ps', ['psInstanceType=c7i.large']],
  ['gpu', []],
  ['gpu', ['instanceType=g5.xlarge']],
];

jest.setTimeout(900_000);

test.each(VARIANTS)('services/%s %j: every reference resolves, the specification accepts it, no IAM wildcard, valid ASL', async (service, params) => {
  const { template } = await packageService(service, params);
  expect(templateProblems(template)).toEqual([]);
});

// The cost model's view of a service (billing/, from the same builders and serverless.yml) is what
// the packaged template holds: instances, cache nodes, interface endpoints, tables.
test.each(VARIANTS)('services/%s %j: the cost model counts what the template deploys', async (service, params) => {
  const { template } = await packageService(service, params);
  const resources = template.Resources as Record<string, { Type: string; Properties?: { VpcConfig?: unknown } }>;
  const inVpc = Object.values(resources).some((r) => r.Type === 'AWS::Lambda::Function' && r.Properties?.VpcConfig);
  const asParams = Object.fromEntries(params.map((p) => p.split('=') as [string, string]));
  expect(serviceBillables(service, asParams)).toEqual(billablesOf(resources, inVpc));
});
