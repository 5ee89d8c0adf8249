// What in a set of CloudFormation resources bills by the hour or by use, read off the resources the
// plugin's builders generate (so the cost model counts what a service deploys, from one source).

/** Resource metadata: the resource bills only while a run keeps it busy (an instance that powers off when idle). */
export const BILLED_WHILE_RUNNING = 'mltrain:billedWhileRunning';

export interface Billables {
  /** EC2 instances by type, with the logical ids they come from. */
  instances: { type: string; count: number; ids: string[]; whileRunningOnly: boolean }[];
  /** ElastiCache nodes by node type. */
  cacheNodes: { type: string; count: number; ids: string[] }[];
  /** Interface VPC endpoints: one network interface (billed per hour) in each of their subnets. */
  interfaceEndpoints: { service: string; azs: number }[];
  /** On-demand DynamoDB tables (billed per request and stored GB). */
  dynamoTables: string[];
  /** The functions run in the VPC: what they exchange with instances and nodes may cross AZs. */
  functionsInVpc: boolean;
}

type Resource = { Type: string; Properties?: Record<string, any>; Metadata?: Record<string, unknown> };

export function billablesOf(resources: Record<string, unknown>, functionsInVpc: boolean): Billables {
  const out: Billables = { instances: [], cacheNodes: [], interfaceEndpoints: [], dynamoTables: [], functionsInVpc };
  const add = (list: { type: string; count: number; ids: string[] }[], type: string, count: number, id: string) => {
    const entry = list.find((e) => e.type === type);
    if (entry) {
      entry.count += count;
      entry.ids.push(id);
    } else list.push({ type, count, ids: [id] });
  };
  for (const [id, raw] of Object.entries(resources)) {
    const r = raw as Resource;
    const p = r.Properties ?? {};
    if (r.Type === 'AWS::EC2::Instance') {
      const whileRunningOnly = r.Metadata?.[BILLED_WHILE_RUNNING] === true;
      const entry = out.instances.find((e) => e.type === p.InstanceType && e.whileRunningOnly === whileRunningOnly);
      if (entry) {
        entry.count += 1;
        entry.ids.push(id);
      } else out.instances.push({ type: String(p.InstanceType), count: 1, ids: [id], whileRunningOnly });
    }
    if (r.Type === 'AWS::ElastiCache::CacheCluster') add(out.cacheNodes, String(p.CacheNodeType), Number(p.NumCacheNodes ?? 1), id);
    if (r.Type === 'AWS::EC2::VPCEndpoint' && p.VpcEndpointType === 'Interface') {
      const service = String(p.ServiceName?.['Fn::Sub'] ?? p.ServiceName).split('.').pop()!;
      out.interfaceEndpoints.push({ service, azs: (p.SubnetIds as unknown[] | undefined)?.length ?? 1 });
    }
    if (r.Type === 'AWS::DynamoDB::Table') out.dynamoTables.push(id);
  }
  return out;
}
