// A CloudFormation template as `sls package` writes it, seen by the integrity checks.

export interface TemplateResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
  Condition?: string;
}

export interface Template {
  Parameters?: Record<string, unknown>;
  Resources: Record<string, TemplateResource>;
  Outputs?: Record<string, { Value: unknown; Export?: unknown }>;
  Conditions?: Record<string, unknown>;
}

/** Pseudo parameters CloudFormation defines in every stack. */
export const PSEUDO_PARAMETERS = new Set([
  'AWS::AccountId', 'AWS::NotificationARNs', 'AWS::NoValue', 'AWS::Partition', 'AWS::Region', 'AWS::StackId', 'AWS::StackName', 'AWS::URLSuffix',
]);

/** Calls fn on every node of a JSON value, with its path. */
export function walk(value: unknown, at: string, fn: (node: unknown, at: string) => void): void {
  fn(value, at);
  if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${at}[${i}]`, fn));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, `${at}.${k}`, fn);
}
