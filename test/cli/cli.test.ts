import { main } from '../../lib/cli/main';
import { toTrainingConfig } from '../../lib/cli/options';

// Bad command lines are refused before anything starts, with a message naming the problem.

async function runCli(...args: string[]): Promise<{ code: number; err: string }> {
  let err = '';
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => { err += String(chunk); return true; });
  try {
    const code = await main(['node', 'mltrain', ...args]);
    return { code, err };
  } finally {
    spy.mockRestore();
  }
}

test('an unknown framework lists the known ones', async () => {
  const { code, err } = await runCli('run', 'tensorflow-on-spark');
  expect(code).toBe(2);
  expect(err).toContain('unknown framework "tensorflow-on-spark"; known frameworks: allreduce, scatter-reduce, spirt, mlless, ps, gpu');
});

test('an option value outside its choices names the option and the allowed values', async () => {
  const { code, err } = await runCli('run', 'allreduce', '--model', 'resnet');
  expect(code).toBe(2);
  expect(err).toContain("option '--model <kind>' argument 'resnet' is invalid. Allowed choices are lr, svm, mlp, cnn, mobilenet, mobilenetv3-small, resnet18.");
});

test('a non-number and an out-of-range number are refused naming the flag', async () => {
  expect((await runCli('run', 'allreduce', '--epochs', 'three')).err).toContain('--epochs must be a whole number, got "three"');
  const { code, err } = await runCli('run', 'allreduce', '--workers', '0');
  expect(code).toBe(2);
  expect(err).toContain('invalid options: --workers: Too small: expected number to be >=1');
});

test('options resolve to a full training configuration with the optimizer default learning rate', () => {
  const sgd = toTrainingConfig({ workers: 2, epochs: 1, model: 'mlp', dataset: 'mnist', batchSize: 64, optimizer: 'sgd', momentum: 0.9, weightDecay: 0, seed: 1, syncTimeout: 60 });
  expect(sgd).toMatchObject({ workers: 2, lr: 0.05, syncTimeoutSeconds: 60 });
  const adam = toTrainingConfig({ optimizer: 'adam' });
  expect(adam.lr).toBe(0.001);
  expect(() => toTrainingConfig({ batchSize: 0, lr: -1 })).toThrow('invalid options: --batch-size: Too small: expected number to be >=1; --lr: Too small: expected number to be >0');
});

test('framework options get their framework defaults and are refused by frameworks that do not take them', () => {
  expect(toTrainingConfig({}, 'allreduce')).toMatchObject({ channel: 's3' });
  expect(toTrainingConfig({ channel: 'redis' }, 'allreduce').channel).toBe('redis');
  expect(toTrainingConfig({}, 'spirt')).toMatchObject({ batches: 4, aggregation: 'mean', attack: 'none', attackers: 0, inDb: true });
  expect(toTrainingConfig({ attack: 'sign-flip' }, 'spirt').attackers).toBe(1);
  expect(toTrainingConfig({ inDb: false }, 'spirt').inDb).toBe(false);
  expect(toTrainingConfig({}, 'spirt').channel).toBeUndefined();
  expect(() => toTrainingConfig({ channel: 'redis' }, 'spirt')).toThrow('invalid options: --channel does not apply to spirt (only to allreduce, scatter-reduce)');
  expect(() => toTrainingConfig({ attackers: 2 }, 'spirt')).toThrow('--attackers needs --attack other than none');
  expect(() => toTrainingConfig({ attack: 'gaussian', attackers: 4, workers: 4 }, 'spirt')).toThrow('--attackers must be smaller than --workers (4)');
});

test('commander passes framework flags through: --no-in-db only when given, --channel checked against its choices', async () => {
  expect((await runCli('run', 'allreduce', '--channel', 'floppy')).err).toContain("Allowed choices are s3, redis, memcached, dynamodb");
  expect((await runCli('run', 'allreduce', '--variant', 'all')).err).toContain('--variant does not apply to allreduce (only to mlless)');
});

test("SPIRT's plain-SGD update: momentum and weight decay resolve to 0, and other values are refused, not ignored", async () => {
  expect(toTrainingConfig({}, 'allreduce')).toMatchObject({ momentum: 0.9, weightDecay: 0 });
  expect(toTrainingConfig({}, 'spirt')).toMatchObject({ momentum: 0, weightDecay: 0, lr: 0.5 });
  expect(toTrainingConfig({ momentum: 0 }, 'spirt').momentum).toBe(0);
  expect(() => toTrainingConfig({ momentum: 0.9, weightDecay: 0.01 }, 'spirt')).toThrow(
    'invalid options: --momentum 0.9 is not supported by spirt: its model update is plain SGD (params − lr · gradient); --weight-decay 0.01 is not supported by spirt',
  );
  const { code, err } = await runCli('run', 'spirt', '--momentum', '0.5');
  expect(code).toBe(2);
  expect(err).toContain('--momentum 0.5 is not supported by spirt');
});
