import { InvalidArgumentError, Option } from 'commander';
import { FRAMEWORKS, type FrameworkName } from '../frameworks/catalog';
import { assertBatchFitsShard, shardRowCount } from '../frameworks/run/batch-fit';
import { AGGREGATIONS, ATTACKS, CHANNELS, frameworkOptionFields, MLLESS_VARIANTS, SYNC_MODES, type FrameworkOptionName } from '../frameworks/run/framework-options';
import { DEFAULT_LR, InvalidInputError, MODEL_KINDS, OPTIMIZERS, resolveTrainingConfig, type TrainingConfig } from '../frameworks/run/training-config';
import { DATASET_NAMES, trainRowCount } from '../ml/data/names';

// The options every `mltrain run` shares (docs/cli.md). Values are checked
// against the same schema the trigger uses, and errors name the flag, not the internal field.

const FLAG_OF: Record<string, string> = {
  model: '--model', dataset: '--dataset', workers: '--workers', epochs: '--epochs', batchSize: '--batch-size',
  optimizer: '--optimizer', lr: '--lr', momentum: '--momentum', weightDecay: '--weight-decay', seed: '--seed',
  syncTimeoutSeconds: '--sync-timeout', channel: '--channel', sync: '--sync', staleness: '--staleness', batches: '--batches', aggregation: '--aggregation',
  attack: '--attack', attackers: '--attackers', inDb: '--no-in-db', variant: '--variant', threshold: '--threshold',
  targetLoss: '--target-loss', targetAccuracy: '--target-accuracy', patience: '--patience', maxSeconds: '--max-seconds',
  dataDir: '--data-dir', trainSamples: '--train-samples', testSamples: '--test-samples',
};

function integer(flag: string) {
  return (value: string): number => {
    if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError(`${flag} must be a whole number, got "${value}"`);
    return Number(value);
  };
}

function decimal(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${flag} must be a number, got "${value}"`);
    return n;
  };
}

export function trainingOptions(): Option[] {
  return [
    new Option('--workers <n>', 'number of workers').argParser(integer('--workers')).default(4),
    new Option('--epochs <n>', 'passes over the training data').argParser(integer('--epochs')).default(3),
    new Option('--model <kind>', 'model').choices([...MODEL_KINDS]).default('mlp'),
    new Option('--dataset <name>', 'dataset').choices([...DATASET_NAMES]).default('mnist'),
    new Option('--batch-size <n>', 'samples per worker per step').argParser(integer('--batch-size')).default(64),
    new Option('--optimizer <kind>', 'optimizer').choices([...OPTIMIZERS]).default('sgd'),
    new Option('--lr <x>', `learning rate (default: sgd ${DEFAULT_LR.sgd}, adam ${DEFAULT_LR.adam})`).argParser(decimal('--lr')),
    new Option('--momentum <x>', 'SGD momentum (default 0.9; spirt: 0, its update is plain SGD)').argParser(decimal('--momentum')),
    new Option('--weight-decay <x>', 'L2 weight decay (default 0)').argParser(decimal('--weight-decay')),
    new Option('--seed <n>', 'seed of the initial model and the data split').argParser(integer('--seed')).default(42),
    ...dataOptions(),
    new Option('--sync-timeout <seconds>', 'how long a worker waits for the others before failing the run').argParser(decimal('--sync-timeout')).default(120),
    // Framework options have no commander default: the framework's own default applies, and
    // giving one to a framework that does not take it is an error.
    new Option('--channel <store>', 'allreduce, scatter-reduce: store the gradients travel through (default s3)').choices([...CHANNELS]),
    new Option('--sync <mode>', 'allreduce: sync (a barrier every step) or async (SGD on a shared model, no barrier; scatter-reduce has no async form) (default sync)').choices([...SYNC_MODES]),
    new Option('--staleness <k>', 'allreduce --sync async: exchanges a worker may be ahead of the slowest (default unbounded)').argParser(integer('--staleness')),
    new Option('--batches <n>', 'spirt: minibatches per peer per round, computed in parallel (default 4)').argParser(integer('--batches')),
    new Option('--aggregation <rule>', 'spirt: how peers combine gradients (default mean)').choices([...AGGREGATIONS]),
    new Option('--attack <kind>', 'spirt experiments: what attacking peers do (default none)').choices([...ATTACKS]),
    new Option('--attackers <k>', 'spirt experiments: number of attacking peers (default 1 with --attack)').argParser(integer('--attackers')),
    new Option('--no-in-db', 'spirt: average and update in the function instead of inside the database'),
    new Option('--variant <kind>', 'mlless: send only significant updates, or all (default significant)').choices([...MLLESS_VARIANTS]),
    new Option('--threshold <x>', `mlless: significance threshold, |accumulated update / parameter| at step 1, decaying as 1/sqrt(step) (default ${FRAMEWORKS.mlless.options.threshold})`).argParser(decimal('--threshold')),
    new Option('--target-loss <x>', 'mlless: stop when the training loss stays below this for --patience steps; spirt: the peers\' mean validation loss, for --patience rounds (default 0: never)').argParser(decimal('--target-loss')),
    new Option('--target-accuracy <x>', 'spirt: stop when the peers\' mean validation accuracy (0-1) stays at or above this for --patience rounds (default 0: never)').argParser(decimal('--target-accuracy')),
    new Option('--patience <k>', 'mlless: steps meeting --target-loss that stop the run (default 10); spirt: rounds meeting its target (default 1)').argParser(integer('--patience')),
    new Option('--max-seconds <s>', 'mlless: time budget of the training (default 0: none)').argParser(decimal('--max-seconds')),
  ];
}

/** Where the data comes from and how much of it: `mltrain run` and `mltrain prepare-data`. */
export function dataOptions(): Option[] {
  return [
    new Option('--data-dir <dir>', 'cifar10: folder with the official binary files (data_batch_1.bin … test_batch.bin)'),
    new Option('--train-samples <n>', 'use the first n training rows of a seeded order (synthetic-images: make n)').argParser(integer('--train-samples')),
    new Option('--test-samples <n>', 'use the first n test rows (synthetic-images: make n)').argParser(integer('--test-samples')),
  ];
}

/** commander's parsed options → a validated TrainingConfig for one framework. */
export function toTrainingConfig(opts: Record<string, unknown>, framework?: FrameworkName): TrainingConfig {
  return batchFitsShard(resolveTrainingConfig(optionsInput(opts), { framework, what: 'options', nameOf: flagOf }));
}

/** --batch-size must fit in a worker's shard of the dataset's training rows. */
function batchFitsShard(config: TrainingConfig): TrainingConfig {
  const rows = trainRowCount(config.dataset, config.trainSamples);
  const where = `${rows.toLocaleString('en-US')} ${config.dataset} training rows / ${config.workers} workers`;
  assertBatchFitsShard({ batchSize: config.batchSize, shardRows: shardRowCount(rows, config.workers), name: '--batch-size', where });
  return config;
}

/**
 * The same options for several frameworks (`mltrain compare`): each gets the shared options and
 * those of its framework options it takes; a framework option none of them takes is refused.
 * Every configuration is checked before any is returned, so nothing starts on a bad command line.
 */
export function toTrainingConfigs(opts: Record<string, unknown>, frameworks: FrameworkName[]): Map<FrameworkName, TrainingConfig> {
  const input = optionsInput(opts);
  const given = (Object.keys(frameworkOptionFields) as FrameworkOptionName[]).filter((k) => input[k] !== undefined);
  const unused = given.filter((k) => !frameworks.some((f) => k in FRAMEWORKS[f].options));
  if (unused.length) {
    throw new InvalidInputError(`invalid options: ${unused.map((k) => `${flagOf([k])} applies to none of ${frameworks.join(', ')}`).join('; ')}`);
  }
  const configs = new Map<FrameworkName, TrainingConfig>();
  for (const framework of frameworks) {
    const own = Object.fromEntries(Object.entries(input).filter(([k]) => !(k in frameworkOptionFields) || k in FRAMEWORKS[framework].options));
    configs.set(framework, batchFitsShard(resolveTrainingConfig(own, { framework, what: `options for ${framework}`, nameOf: flagOf })));
  }
  return configs;
}

function optionsInput(opts: Record<string, unknown>): Record<string, unknown> {
  return {
    model: opts.model, dataset: opts.dataset, workers: opts.workers, epochs: opts.epochs, batchSize: opts.batchSize,
    optimizer: opts.optimizer, lr: opts.lr, momentum: opts.momentum, weightDecay: opts.weightDecay, seed: opts.seed,
    syncTimeoutSeconds: opts.syncTimeout, channel: opts.channel, sync: opts.sync, staleness: opts.staleness, batches: opts.batches, aggregation: opts.aggregation,
    attack: opts.attack, attackers: opts.attackers, variant: opts.variant, threshold: opts.threshold,
    targetLoss: opts.targetLoss, targetAccuracy: opts.targetAccuracy, patience: opts.patience, maxSeconds: opts.maxSeconds,
    dataDir: opts.dataDir, trainSamples: opts.trainSamples, testSamples: opts.testSamples,
    // commander sets inDb=true for every run because of --no-in-db; only the flag itself counts.
    inDb: opts.inDb === false ? false : undefined,
  };
}

const flagOf = (path: readonly PropertyKey[]): string => FLAG_OF[String(path[0])] ?? path.map(String).join('.');
