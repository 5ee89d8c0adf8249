import { Command, CommanderError, Option } from 'commander';
import { FRAMEWORK_NAMES } from '../frameworks/catalog';
import { compareCommand } from './commands/compare';
import { doctorCommand } from './commands/doctor';
import { logsCommand } from './commands/logs';
import { prepareDataCommand } from './commands/prepare-data';
import { runCommand } from './commands/run';
import { dataOptions, trainingOptions } from './options';

// mltrain: train and compare serverless training frameworks locally (docs/cli.md).

export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const program = new Command('mltrain')
    .description('Train, compare and inspect serverless distributed ML training frameworks, locally or on AWS')
    .exitOverride()
    .showHelpAfterError('(run mltrain --help for usage)');

  const run = program.command('run')
    .description(`train locally against real local servers; frameworks: ${FRAMEWORK_NAMES.join(', ')}`)
    .argument('<framework>', 'framework to run')
    .option('--out <file>', 'results JSON file (default runs/<runId>/results.json)')
    .option('--json', 'print only the results JSON')
    .option('--runs-dir <dir>', 'where runs/<runId>/ folders go (default <repo>/runs)')
    .addOption(new Option('--lambda-timeout <seconds>', "emulate a shorter Lambda time limit for the workers (and the MLLESS supervisor): exercises checkpoint and re-invocation"));
  for (const opt of trainingOptions()) run.addOption(opt);
  run.action(async (framework: string, opts: Record<string, unknown>) => { code = await runCommand(framework, opts); });

  const compare = program.command('compare')
    .description('train several frameworks in turn on the same data, model and seed; prints a table and bars, writes comparison.json and an accuracy chart (SVG)')
    .option('--frameworks <list>', `comma-separated (default: all of ${FRAMEWORK_NAMES.join(',')})`)
    .option('--out <file>', 'combined results JSON (default runs/compare-<stamp>/comparison.json; the chart goes beside it)')
    .option('--json', 'print only the combined results JSON')
    .option('--runs-dir <dir>', 'where runs/<runId>/ folders go (default <repo>/runs)');
  for (const opt of trainingOptions()) compare.addOption(opt);
  compare.action(async (opts: Record<string, unknown>) => { code = await compareCommand(opts); });

  program.command('logs')
    .description('print (and follow) the JSON-lines logs of a local run')
    .argument('<framework>')
    .option('--function <name>', 'only this function (e.g. worker, trigger)')
    .option('--run <runId>', 'run id (default: the latest run of the framework)')
    .option('--follow', 'keep printing new lines, like sls logs -t')
    .option('--raw', 'print the JSON lines as they are')
    .option('--runs-dir <dir>', 'where the runs are (default <repo>/runs)')
    .action(async (framework: string, opts) => { code = await logsCommand(framework, opts); });

  program.command('doctor')
    .description('check local prerequisites (redis-server, memcached, the tensor module, tfjs backend)')
    .option('--fix', 'install what is missing with apt-get')
    .action(async (opts: { fix?: boolean }) => { code = await doctorCommand(opts); });

  const prepare = program.command('prepare-data')
    .description('shard a dataset for N workers and upload it with its manifest to a bucket (S3 or the local one)')
    .requiredOption('--bucket <name>', 'target S3 bucket (use the stack output DataBucketName)')
    .addOption(trainingOptions().find((o) => o.long === '--dataset')!)
    .addOption(trainingOptions().find((o) => o.long === '--workers')!)
    .addOption(trainingOptions().find((o) => o.long === '--seed')!);
  dataOptions().forEach((o) => prepare.addOption(o));
  prepare.action(async (opts) => { code = await prepareDataCommand(opts); });

  try {
    await program.parseAsync(argv);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2; // commander already printed it
    process.stderr.write(`mltrain: ${(err as Error).message}\n`);
    return (err as Error).name === 'InvalidInputError' || /^unknown framework/.test((err as Error).message) ? 2 : 1;
  }
}
