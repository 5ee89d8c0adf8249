// Whether the functions go into the VPC must be settled while the plugin loads (the network module
// reads custom.mltrain.vpc then), but Serverless resolves ${param:...} only later. So the channel
// is read here the way the param source will resolve it: --param channel=X on the command line,
// then params.<stage>.channel / params.default.channel in serverless.yml, then the variable's own
// fallback (${param:channel, 's3'}). The hook that adds the resources checks both agree.

export interface LoadTimeInput {
  /** custom.mltrain.channel.store as written in serverless.yml (a literal or a ${param:...} variable). */
  configured: unknown;
  cliParams?: string[];
  stage?: string;
  params?: Record<string, Record<string, unknown> | undefined>;
}

const PARAM_VARIABLE = /^\$\{param:([A-Za-z0-9_-]+)\s*(?:,\s*['"]?([^'"}]*)['"]?\s*)?\}$/;

export function channelStoreAtLoad(input: LoadTimeInput): string | undefined {
  const { configured } = input;
  if (typeof configured !== 'string') return undefined;
  const variable = PARAM_VARIABLE.exec(configured.trim());
  if (!variable) return configured;
  const [, name, fallback] = variable;
  for (const item of input.cliParams ?? []) {
    const eq = item.indexOf('=');
    if (eq > 0 && item.slice(0, eq) === name) return item.slice(eq + 1).trim();
  }
  const fromConfig = input.params?.[input.stage ?? 'dev']?.[name] ?? input.params?.default?.[name];
  if (fromConfig !== undefined && fromConfig !== null) return String(fromConfig);
  return fallback;
}
