import { walk, type Template } from './types';

// No IAM statement the template writes allows every action, or a wildcard action, and none applies
// to every resource ("*") unless each of its actions is one AWS only grants on "*" (listed below,
// each with why). AWS-managed policies (ManagedPolicyArns) are AWS's and not checked here.

/** Actions AWS authorises only on Resource "*" (no resource-level permissions), and who needs them. */
export const ACTIONS_ON_ANY_RESOURCE: Record<string, string> = {
  // A Lambda function in a VPC creates, lists and deletes its network interfaces (osls grants these
  // through the AWS-managed AWSLambdaVPCAccessExecutionRole; listed for a hand-written equivalent).
  'ec2:CreateNetworkInterface': 'Lambda in a VPC',
  'ec2:DescribeNetworkInterfaces': 'Lambda in a VPC',
  'ec2:DeleteNetworkInterface': 'Lambda in a VPC',
  // X-Ray tracing, should a service turn it on.
  'xray:PutTraceSegments': 'X-Ray tracing',
  'xray:PutTelemetryRecords': 'X-Ray tracing',
};

interface Statement {
  Effect?: string;
  Action?: unknown;
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
}

export function iamProblems(t: Template): string[] {
  const problems: string[] = [];
  for (const [id, r] of Object.entries(t.Resources)) {
    walk(r.Properties, `Resources.${id}`, (node, at) => {
      if (!node || typeof node !== 'object' || !('Statement' in node) || !('Version' in node || at.endsWith('PolicyDocument'))) return;
      const statements = [(node as { Statement: unknown }).Statement].flat() as Statement[];
      statements.forEach((s, i) => problems.push(...statementProblems(s, `${at}.Statement[${i}]`)));
    });
  }
  return problems;
}

function statementProblems(s: Statement, at: string): string[] {
  if (s.Effect !== 'Allow') return [];
  const problems: string[] = [];
  if (s.NotAction !== undefined || s.NotResource !== undefined) problems.push(`${at}: an Allow with NotAction/NotResource grants nearly everything`);
  const actions = [s.Action ?? []].flat().filter((a): a is string => typeof a === 'string');
  for (const a of actions) if (a.includes('*')) problems.push(`${at}: action ${a} is a wildcard; name the actions`);
  const resources = [s.Resource ?? []].flat();
  if (resources.includes('*')) {
    const unlisted = actions.filter((a) => !(a in ACTIONS_ON_ANY_RESOURCE));
    if (unlisted.length) problems.push(`${at}: Resource "*" for ${unlisted.join(', ')}; scope it to the resources they touch`);
  }
  return problems;
}
