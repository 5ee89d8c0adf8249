import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, type ScalarTag } from 'yaml';
import { onFailureDestinations } from '../../../plugins/mltrain/src/destinations';
import { generatedConfiguration, type CfnResource } from '../../../plugins/mltrain/src/generated';

// Reads a service's serverless.yml the way the local runtime needs it: its functions, their handler
// files, timeouts, memory and environment. serverless.yml stays the single source of truth; the few
// variables it uses are resolved here against the local run's values. What the shared plugin
// generates from custom.mltrain (resources, environment) is added here exactly as `sls package`
// adds it, from the same function.

export interface LocalFunctionDefinition {
  /** Name in serverless.yml (e.g. worker). */
  key: string;
  /** Name the Lambda API knows: <service>-<stage>-<key>. */
  functionName: string;
  handlerFile: string;
  exportName: string;
  timeoutSeconds: number;
  memoryMb: number;
  environment: Record<string, string>;
  /** The Lambda API name of its on-failure destination, for an asynchronous invocation that fails (the plugin's wiring). */
  onFailure?: string;
}

export interface ServiceDefinition {
  service: string;
  stage: string;
  directory: string;
  functions: Record<string, LocalFunctionDefinition>;
}

export interface ResolveContext {
  stage: string;
  /** Values for CloudFormation references (`!Ref DataBucket` → the local bucket name). */
  resources: Record<string, string>;
  /** Values for `!GetAtt Resource.Attribute`: attributes[logicalId][attribute]. */
  attributes?: Record<string, Record<string, string>>;
  /** Deployment parameters, as `sls deploy --param name=value` gives them to `${param:name}`. */
  params?: Record<string, string>;
}

const cfnTags: ScalarTag[] = [
  { tag: '!Ref', resolve: (v: string) => ({ Ref: v }) } as unknown as ScalarTag,
  { tag: '!GetAtt', resolve: (v: string) => ({ 'Fn::GetAtt': v.split('.') }) } as unknown as ScalarTag,
  { tag: '!Sub', resolve: (v: string) => ({ 'Fn::Sub': v }) } as unknown as ScalarTag,
];

export function readYaml(file: string): Record<string, unknown> {
  return parse(readFileSync(file, 'utf8'), { customTags: cfnTags }) as Record<string, unknown>;
}

/**
 * The CloudFormation resources the service declares (serverless.yml's resources.Resources plus what
 * the plugin generates), variables resolved, intrinsic functions (Ref, Fn::GetAtt...) left as they are.
 */
export function readDeclaredResources(directory: string, ctx: Omit<ResolveContext, 'resources' | 'attributes'>): Record<string, CfnResource> {
  const raw = readYaml(path.join(directory, 'serverless.yml'));
  const resolver = new LocalVariableResolver(directory, raw, { ...ctx, resources: {} }, false);
  const declared = (resolver.resolve(getPath(raw, 'resources.Resources'), 'resources.Resources') ?? {}) as Record<string, CfnResource>;
  const generated = pluginGenerated(resolver, raw, ctx.stage);
  return { ...declared, ...generated.resources };
}

function pluginGenerated(resolver: LocalVariableResolver, raw: Record<string, unknown>, stage: string) {
  const service = resolver.resolve(raw.service, 'service') as string;
  const mltrain = resolver.resolve(getPath(raw, 'custom.mltrain'), 'custom.mltrain', Infinity, false) as Record<string, unknown> | undefined;
  return generatedConfiguration(mltrain, { service, stage });
}

export function loadServiceDefinition(directory: string, ctx: ResolveContext): ServiceDefinition {
  const file = path.join(directory, 'serverless.yml');
  const raw = readYaml(file);
  const resolver = new LocalVariableResolver(directory, raw, ctx);
  const service = resolver.resolve(raw.service, 'service') as string;
  // The plugin adds its variables to every function, as at package time (compile-generated.ts).
  const generatedEnvironment = resolver.resolve(pluginGenerated(resolver, raw, ctx.stage).environment, 'generated environment') as object;
  // Only what a local invocation needs; IAM and resources are CloudFormation's business.
  const providerRaw = (resolver.resolve(raw.provider, 'provider', 1) ?? {}) as Record<string, unknown>;
  const provider = {
    timeout: resolver.resolve(providerRaw.timeout, 'provider.timeout'),
    memorySize: resolver.resolve(providerRaw.memorySize, 'provider.memorySize'),
    environment: resolver.resolve(providerRaw.environment, 'provider.environment'),
  };
  const functions: Record<string, LocalFunctionDefinition> = {};
  const rawFunctions = (raw.functions ?? {}) as Record<string, Record<string, unknown>>;
  const destinations = onFailureDestinations(getPath(raw, 'custom.mltrain.iamStatements'), rawFunctions);
  for (const [key, fnRaw] of Object.entries(rawFunctions)) {
    const where = `functions.${key}`;
    const fn = Object.fromEntries(['handler', 'timeout', 'memorySize', 'environment'].map((f) => [f, resolver.resolve(fnRaw[f], `${where}.${f}`)]));
    const handler = String(fn.handler ?? '');
    const dot = handler.lastIndexOf('.');
    if (dot < 1) throw new Error(`${file}: ${where}.handler "${handler}" is not of the form path/file.export`);
    functions[key] = {
      key,
      functionName: `${service}-${ctx.stage}-${key}`,
      handlerFile: path.join(directory, `${handler.slice(0, dot)}.ts`),
      exportName: handler.slice(dot + 1),
      timeoutSeconds: Number(fn.timeout ?? provider.timeout ?? 6),
      memoryMb: Number(fn.memorySize ?? provider.memorySize ?? 1024),
      environment: stringValues({ ...(provider.environment as object), ...(fn.environment as object), ...generatedEnvironment }, `${where}.environment`),
      ...(destinations[key] ? { onFailure: `${service}-${ctx.stage}-${destinations[key]}` } : {}),
    };
  }
  return { service, stage: ctx.stage, directory, functions };
}

function stringValues(obj: Record<string, unknown>, where: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (typeof v === 'object' && v !== null) throw new Error(`${where}.${k}: cannot resolve ${JSON.stringify(v)} locally`);
    out[k] = String(v);
  }
  return out;
}

/**
 * Resolves ${self:...}, ${sls:stage}, ${opt:...}, ${param:...}, ${file(...):...} and, unless told
 * to keep them, the intrinsic functions Ref, Fn::GetAtt and Fn::Join for local runs.
 */
class LocalVariableResolver {
  constructor(
    private readonly dir: string,
    private readonly root: Record<string, unknown>,
    private readonly ctx: ResolveContext,
    private readonly intrinsics = true,
  ) {}

  /** `depth` 1 resolves only a whole-value include (provider: ${file(...)}), leaving its inside raw. */
  resolve(value: unknown, where: string, depth = Infinity, intrinsics = this.intrinsics): unknown {
    if (typeof value === 'string') return this.resolveString(value, where, depth);
    if (depth <= 1) return value;
    if (Array.isArray(value)) return value.map((v, i) => this.resolve(v, `${where}[${i}]`, Infinity, intrinsics));
    if (value && typeof value === 'object') {
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj);
      if (intrinsics && keys.length === 1 && keys[0] === 'Ref') return this.resource(String(obj.Ref), where);
      if (intrinsics && keys.length === 1 && keys[0] === 'Fn::GetAtt') return this.attribute(obj['Fn::GetAtt'], where);
      if (intrinsics && keys.length === 1 && keys[0] === 'Fn::Join') return this.join(obj['Fn::Join'], where);
      // Kept intrinsics stay verbatim: the ${...} of a Fn::Sub belong to CloudFormation.
      if (!intrinsics && keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) return value;
      return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, this.resolve(v, `${where}.${k}`, Infinity, intrinsics)]));
    }
    return value;
  }

  private resource(name: string, where: string): string {
    const value = this.ctx.resources[name];
    if (value === undefined) throw new Error(`${where}: the local runtime has no value for !Ref ${name}`);
    return value;
  }

  /** [logicalId, attribute] or, as the YAML tag splits it, [logicalId, ...attribute parts]. */
  private attribute(args: unknown, where: string): string {
    if (!Array.isArray(args) || args.length < 2) throw new Error(`${where}: Fn::GetAtt needs [resource, attribute], got ${JSON.stringify(args)}`);
    const [id, ...parts] = args.map(String);
    const name = parts.join('.');
    const value = this.ctx.attributes?.[id]?.[name];
    if (value === undefined) throw new Error(`${where}: the local runtime has no value for !GetAtt ${id}.${name}`);
    return value;
  }

  private join(args: unknown, where: string): string {
    if (!Array.isArray(args) || args.length !== 2 || typeof args[0] !== 'string' || !Array.isArray(args[1])) {
      throw new Error(`${where}: Fn::Join needs [separator, [values]], got ${JSON.stringify(args)}`);
    }
    const parts = (args[1] as unknown[]).map((v, i) => this.resolve(v, `${where}[${i}]`));
    return parts.map(String).join(args[0]);
  }

  private resolveString(text: string, where: string, depth = Infinity): unknown {
    const whole = /^\$\{([^{}]+)\}$/.exec(text);
    if (whole) return this.variable(whole[1], where, depth);
    return text.replace(/\$\{([^{}]+)\}/g, (_, expr: string) => String(this.variable(expr, where)));
  }

  private variable(expr: string, where: string, depth = Infinity): unknown {
    const [head, fallback] = splitFallback(expr);
    if (head === 'sls:stage' || head === 'self:provider.stage' || head === 'opt:stage') return this.ctx.stage;
    if (head.startsWith('opt:')) return fallback;
    if (head.startsWith('param:')) {
      const value = this.ctx.params?.[head.slice(6)] ?? fallback;
      if (value === undefined) throw new Error(`${where}: \${${expr}} needs the deployment parameter ${head.slice(6)}`);
      return value;
    }
    if (head.startsWith('self:')) return this.resolve(getPath(this.root, head.slice(5)), where, depth);
    const file = /^file\(([^)]+)\):(.+)$/.exec(head);
    if (file) {
      const included = readYaml(path.resolve(this.dir, file[1]));
      return this.resolve(getPath(included, file[2]), where, depth);
    }
    if (fallback !== undefined) return fallback;
    throw new Error(`${where}: the local runtime cannot resolve \${${expr}}`);
  }
}

function splitFallback(expr: string): [string, string | undefined] {
  const comma = expr.indexOf(',');
  if (comma < 0) return [expr.trim(), undefined];
  return [expr.slice(0, comma).trim(), expr.slice(comma + 1).trim().replace(/^['"]|['"]$/g, '')];
}

function getPath(obj: unknown, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((acc, part) => (acc as Record<string, unknown> | undefined)?.[part], obj);
}
