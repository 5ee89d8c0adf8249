import { SERVICE_PARAMS } from './declarations';

// `--param name=value` as given to sls, and params.<stage>/params.default in serverless.yml,
// checked against the service's declarations before any template is generated.

export interface ParamSources {
  framework: string;
  /** options.param: ["name=value", ...] */
  cli?: readonly string[];
  /** serverless.yml's params block, by stage (and default). */
  config?: Record<string, Record<string, unknown> | undefined>;
}

/** name → value from the command line's `--param` list; a malformed item is an error. */
export function parseCliParams(items: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new Error(`mltrain: --param "${item}" must be name=value`);
    out[item.slice(0, eq).trim()] = item.slice(eq + 1).trim();
  }
  return out;
}

/** Throws one error listing every parameter that is unknown or whose value does not fit. */
export function validateParams(src: ParamSources): Record<string, string> {
  const declared = SERVICE_PARAMS[src.framework];
  if (!declared) throw new Error(`mltrain: no parameters are declared for framework "${src.framework}"`);
  const given: [string, string, string][] = Object.entries(parseCliParams(src.cli)).map(([k, v]) => [k, v, '--param']);
  for (const [stage, values] of Object.entries(src.config ?? {})) {
    for (const [k, v] of Object.entries(values ?? {})) given.push([k, String(v), `params.${stage}`]);
  }
  const known = Object.keys(declared);
  const problems: string[] = [];
  for (const [name, value, where] of given) {
    const decl = declared[name];
    if (!decl) {
      problems.push(`${where} ${name} is not a parameter of this service; it takes ${known.join(', ')}`);
      continue;
    }
    const why = decl.check(value);
    if (why) problems.push(`${where} ${name}=${value} is refused (${why}): ${name} takes ${decl.accepts}`);
  }
  if (problems.length) throw new Error(`mltrain: ${problems.join('; ')}`);
  return Object.fromEntries(given.filter(([, , w]) => w === '--param').map(([k, v]) => [k, v]));
}
