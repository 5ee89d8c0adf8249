import { SERVICE_PARAMS } from './declarations';
import { trainingMemoryMB } from './model-memory';

// `--param name=value` as given to sls, and params.<stage>/params.default in serverless.yml,
// checked against the service's declarations before any template is generated.

export interface ParamSources {
  framework: string;
  /** The stage whose params block applies (default dev). */
  stage?: string;
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
  checkModelFits(src);
  return Object.fromEntries(given.filter(([, , w]) => w === '--param').map(([k, v]) => [k, v]));
}

/** A parameter's value as Serverless resolves ${param:name}: the command line, then params.<stage>, then params.default. */
export function paramValue(src: ParamSources & { stage?: string }, name: string): string | undefined {
  const cli = parseCliParams(src.cli);
  if (cli[name] !== undefined) return cli[name];
  const configured = src.config?.[src.stage ?? 'dev']?.[name] ?? src.config?.default?.[name];
  return configured === undefined || configured === null ? undefined : String(configured);
}

/** The model must fit Lambda and wasm at the batch size (each value already checked alone). */
function checkModelFits(src: ParamSources): void {
  const model = paramValue(src, 'model');
  if (model === undefined) return;
  const batch = paramValue(src, 'batchSize');
  try {
    trainingMemoryMB(model, batch === undefined ? undefined : Number(batch));
  } catch (err) {
    throw new Error(`mltrain: --param model=${model} is refused: ${(err as Error).message}`);
  }
}
