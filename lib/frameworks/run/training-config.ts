import { z } from 'zod';
import { DATASET_NAMES } from '../../ml/data/names';
import { FRAMEWORKS, type FrameworkInfo, type FrameworkName } from '../catalog';
import { frameworkOptionFields, type FrameworkOptionName, type FrameworkOptions } from './framework-options';

// The options every framework shares, with their defaults. The CLI, the trigger event and the
// worker event all validate against these schemas, so a bad value is refused before anything runs.

/** A run's id in events: it names keys, queues and executions, so it is kept short and plain. */
export const runIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{2,62}$/, 'must be 3-63 lowercase letters, digits and dashes');

export const MODEL_KINDS = ['lr', 'svm', 'mlp', 'cnn', 'mobilenet', 'mobilenetv3-small', 'resnet18'] as const;
export const OPTIMIZERS = ['sgd', 'adam'] as const;

export const trainingConfigSchema = z.object({
  model: z.enum(MODEL_KINDS).default('mlp'),
  dataset: z.enum(DATASET_NAMES).default('mnist'),
  workers: z.number().int().min(1).max(256).default(4),
  epochs: z.number().int().min(1).max(1000).default(3),
  batchSize: z.number().int().min(1).max(8192).default(64),
  optimizer: z.enum(OPTIMIZERS).default('sgd'),
  /** Learning rate; when absent, the optimizer's default (sgd 0.05, adam 0.001). */
  lr: z.number().positive().max(10).optional(),
  momentum: z.number().min(0).lt(1).default(0.9),
  weightDecay: z.number().min(0).max(1).default(0),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(42),
  /** How long a worker waits for the others at a synchronisation point before failing the run. */
  syncTimeoutSeconds: z.number().positive().max(900).default(120),
  /** cifar10: folder of the official binary files; trainSamples/testSamples bound the data. */
  dataDir: z.string().min(1).optional(),
  trainSamples: z.number().int().min(1).optional(),
  testSamples: z.number().int().min(1).optional(),
  ...optionalFields(),
}).strict();

/**
 * The options as a user gave them: every field optional and none defaulted, so that what the
 * trigger resolves per framework can tell a default from the user's choice (SPIRT refuses a
 * momentum the user asked for, and takes 0 when none was).
 */
export const givenConfigSchema = z.object(Object.fromEntries(Object.entries(trainingConfigSchema.shape)
  .map(([k, v]) => [k, (v instanceof z.ZodDefault ? v.unwrap() : v).optional()]))).strict() as unknown as
  z.ZodType<Partial<z.input<typeof trainingConfigSchema>>, Partial<z.input<typeof trainingConfigSchema>>>;

function optionalFields() {
  const fields = frameworkOptionFields;
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v.optional()])) as
    { [K in FrameworkOptionName]: z.ZodOptional<(typeof fields)[K]> };
}

export type TrainingConfigInput = z.input<typeof trainingConfigSchema>;
export type TrainingConfig = z.output<typeof trainingConfigSchema> & { lr: number };
/** A configuration resolved for one framework: its own options are all present. */
export type FrameworkConfig<K extends FrameworkOptionName> = TrainingConfig & Pick<FrameworkOptions, K>;

export const DEFAULT_LR: Record<(typeof OPTIMIZERS)[number], number> = { sgd: 0.05, adam: 0.001 };

export class InvalidInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidInputError';
  }
}

/** How a field is called where the input came from (a dotted path in an event, a flag on the CLI). */
export type FieldNamer = (path: readonly PropertyKey[]) => string;

const dottedPath: FieldNamer = (path) => (path.length ? path.map(String).join('.') : '(root)');

/** Parses with a schema and turns zod's issues into one message naming each bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string, nameOf: FieldNamer = dottedPath): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${nameOf(issue.path)}: ${issue.message}`);
  throw new InvalidInputError(`invalid ${what}: ${problems.join('; ')}`);
}

export interface ResolveOptions {
  /** The framework the configuration is for: its options get their defaults, others are refused. */
  framework?: FrameworkName;
  /** What the input is, for messages ("options", "trigger event config"). */
  what?: string;
  nameOf?: FieldNamer;
}

/** Validated options with defaults filled in, the learning rate defaulting per optimizer. */
export function resolveTrainingConfig(input: unknown, opts: ResolveOptions = {}): TrainingConfig {
  const what = opts.what ?? 'training configuration';
  const nameOf = opts.nameOf ?? dottedPath;
  const parsed = parseOrThrow(trainingConfigSchema, input ?? {}, what, nameOf);
  const config: TrainingConfig = { ...parsed, lr: parsed.lr ?? DEFAULT_LR[parsed.optimizer] };
  if (!opts.framework) return config;
  const info: FrameworkInfo = FRAMEWORKS[opts.framework];
  const defaults: Partial<FrameworkOptions> = info.options;
  if (info.optimizers && !info.optimizers.includes(config.optimizer)) {
    throw new InvalidInputError(`invalid ${what}: ${nameOf(['optimizer'])} ${config.optimizer} is not supported by ${opts.framework} (supported: ${info.optimizers.join(', ')})`);
  }
  if (parsed.lr === undefined && info.defaultLr !== undefined) config.lr = info.defaultLr;
  if (info.plainSgd) {
    // Refused rather than ignored: a results file must not claim momentum the update never applied.
    const given = (input ?? {}) as { momentum?: unknown; weightDecay?: unknown };
    const refused = (['momentum', 'weightDecay'] as const).filter((k) => given[k] !== undefined && given[k] !== 0);
    if (refused.length) {
      throw new InvalidInputError(`invalid ${what}: ${refused.map((k) => `${nameOf([k])} ${String(given[k])} is not supported by ${opts.framework}: its model update is plain SGD (params − lr · gradient)`).join('; ')}`);
    }
    config.momentum = 0;
    config.weightDecay = 0;
  }
  refuseForeignOptions(config, opts.framework, what, nameOf);
  const resolved = { ...defaults, ...stripUndefined(config) } as TrainingConfig;
  if (resolved.attack !== undefined) checkAttack(resolved, what, nameOf);
  if (resolved.staleness !== undefined && resolved.sync !== 'async') {
    throw new InvalidInputError(`invalid ${what}: ${nameOf(['staleness'])} needs ${nameOf(['sync'])} async (a synchronous run waits for everyone at every step)`);
  }
  return resolved;
}

/** Options of other frameworks are refused, naming who takes them (and why not here, where the catalog says). */
function refuseForeignOptions(config: TrainingConfig, framework: FrameworkName, what: string, nameOf: FieldNamer): void {
  const info: FrameworkInfo = FRAMEWORKS[framework];
  const foreign = (Object.keys(frameworkOptionFields) as FrameworkOptionName[]).filter((k) => config[k] !== undefined && !(k in info.options));
  if (!foreign.length) return;
  const takers = (k: FrameworkOptionName) => Object.entries(FRAMEWORKS).filter(([, f]) => k in f.options).map(([n]) => n).join(', ');
  const said = new Set<string>();
  const why = (k: FrameworkOptionName) => {
    const reason = info.whyNot?.[k];
    if (!reason || said.has(reason)) return '';
    said.add(reason);
    return `: ${reason}`;
  };
  throw new InvalidInputError(`invalid ${what}: ${foreign.map((k) => `${nameOf([k])} does not apply to ${framework} (only to ${takers(k)})${why(k)}`).join('; ')}`);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** An attack needs attackers, and they must leave at least one honest peer. */
function checkAttack(config: TrainingConfig, what: string, nameOf: FieldNamer): void {
  if (config.attack !== 'none' && config.attackers === 0) config.attackers = 1;
  if (config.attack === 'none' && config.attackers) {
    throw new InvalidInputError(`invalid ${what}: ${nameOf(['attackers'])} needs ${nameOf(['attack'])} other than none`);
  }
  if ((config.attackers ?? 0) >= config.workers) {
    throw new InvalidInputError(`invalid ${what}: ${nameOf(['attackers'])} must be smaller than ${nameOf(['workers'])} (${config.workers}), so that one peer stays honest`);
  }
}
