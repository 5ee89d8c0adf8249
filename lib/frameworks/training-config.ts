import { z } from 'zod';
import { DATASET_NAMES } from '../ml/data/names';

// The options every framework shares, with their defaults. The CLI, the trigger event and the
// worker event all validate against these schemas, so a bad value is refused before anything runs.

export const MODEL_KINDS = ['lr', 'svm', 'mlp', 'cnn'] as const;
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
}).strict();

export type TrainingConfigInput = z.input<typeof trainingConfigSchema>;
export type TrainingConfig = z.output<typeof trainingConfigSchema> & { lr: number };

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

/** Validated options with defaults filled in, the learning rate defaulting per optimizer. */
export function resolveTrainingConfig(input: unknown, what = 'training configuration', nameOf?: FieldNamer): TrainingConfig {
  const parsed = parseOrThrow(trainingConfigSchema, input ?? {}, what, nameOf);
  return { ...parsed, lr: parsed.lr ?? DEFAULT_LR[parsed.optimizer] };
}
