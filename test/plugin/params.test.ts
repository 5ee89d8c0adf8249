import { parseCliParams, validateParams } from '../../plugins/mltrain/src/params/validate';
import { estimatedPeakMB, LAMBDA_MAX_MB, PAPER_MODEL_MIN_MB, trainingMemoryMB } from '../../plugins/mltrain/src/params/model-memory';

// The deployment parameters each service takes, checked before any template is generated.

test('well-formed values pass and come back by name', () => {
  expect(validateParams({ framework: 'spirt', cli: ['batches=64', 'peers=1', 'workflow=express'] })).toEqual({ batches: '64', peers: '1', workflow: 'express' });
  expect(validateParams({ framework: 'gpu', cli: ['instanceType=g5.xlarge'] })).toEqual({ instanceType: 'g5.xlarge' });
  expect(validateParams({ framework: 'ps', cli: ['psInstanceType=c7i.large'] })).toEqual({ psInstanceType: 'c7i.large' });
  expect(validateParams({ framework: 'mlless', cli: [] })).toEqual({});
});

test('every problem is reported at once, serverless.yml params blocks included', () => {
  expect(() => validateParams({ framework: 'spirt', cli: ['batches=0', 'peer=2'], config: { default: { workflow: 'EXPRESS' } } })).toThrow(
    'mltrain: --param batches=0 is refused (out of range): batches takes a whole number from 1 to 64, in decimal digits; '
    + '--param peer is not a parameter of this service; it takes batches, peers, workflow, model, batchSize; '
    + 'params.default workflow=EXPRESS is refused (not allowed): workflow takes one of standard, express',
  );
});

test('instance types: GPU families only for the baseline, any well-formed type for the parameter server', () => {
  for (const bad of ['g4ad.xlarge', 'c7g.large', 'g4dn', 'G4DN.XLARGE']) expect(() => validateParams({ framework: 'gpu', cli: [`instanceType=${bad}`] })).toThrow(`instanceType=${bad} is refused`);
  for (const good of ['g4dn.xlarge', 'g6.2xlarge', 'p4d.24xlarge', 'p5.48xlarge']) expect(() => validateParams({ framework: 'gpu', cli: [`instanceType=${good}`] })).not.toThrow();
  expect(() => validateParams({ framework: 'ps', cli: ['psInstanceType=c7g large'] })).toThrow('not an EC2 instance type');
});

test('a --param item without a name is refused', () => {
  expect(() => parseCliParams(['=4'])).toThrow('--param "=4" must be name=value');
  expect(parseCliParams(['a= b ', 'c=x=y'])).toEqual({ a: 'b', c: 'x=y' });
});

test('allowed values and ranges of the other services', () => {
  expect(() => validateParams({ framework: 'spirt', cli: ['workflow=fast'] })).toThrow('--param workflow=fast is refused (not allowed): workflow takes one of standard, express');
  expect(() => validateParams({ framework: 'mlless', cli: ['workers=33'] })).toThrow('--param workers=33 is refused (out of range): workers takes a whole number from 1 to 32');
  expect(() => validateParams({ framework: 'allreduce', cli: ['channel=sqs'] })).toThrow('channel takes one of s3, redis, memcached, dynamodb');
  expect(() => validateParams({ framework: 'scatter-reduce', cli: ['workers=4'] })).toThrow('--param workers is not a parameter of this service; it takes channel');
});

test('model and batchSize: a paper model must fit wasm’s 4 GiB heap at the batch, naming the limit', () => {
  expect(validateParams({ framework: 'allreduce', cli: ['model=mobilenetv3-small', 'batchSize=64'] })).toEqual({ model: 'mobilenetv3-small', batchSize: '64' });
  expect(() => validateParams({ framework: 'ps', cli: ['model=vgg16'] })).toThrow('--param model=vgg16 is refused (not allowed): model takes one of lr, svm, mlp, cnn, mobilenet, mobilenetv3-small, resnet18');
  expect(() => validateParams({ framework: 'spirt', cli: ['model=resnet18', 'batchSize=512'] })).toThrow(/model=resnet18 is refused: .*at batch 512 needs about \d+ MB per step, more than wasm's 4096 MB \(4 GiB\) heap/);
  // The batch size may come from serverless.yml's params block for the stage.
  expect(() => validateParams({ framework: 'mlless', cli: ['model=resnet18'], config: { prod: { batchSize: 512 } }, stage: 'prod' })).toThrow('more than wasm');
  expect(() => validateParams({ framework: 'mlless', cli: ['model=resnet18'], config: { prod: { batchSize: 512 } }, stage: 'dev' })).not.toThrow();
});

test('training memory: small models keep their sizes, paper models get at least 3,008 MB', () => {
  expect(trainingMemoryMB('mlp', 64)).toBeUndefined();
  expect(trainingMemoryMB('mobilenetv3-small', 64)).toBe(PAPER_MODEL_MIN_MB);
  expect(trainingMemoryMB('resnet18', 64)).toBe(4478); // 1.25 × its 3,582 MB step
  for (const model of ['mobilenet', 'resnet18']) {
    const memory = trainingMemoryMB(model)!;
    expect(memory).toBeGreaterThanOrEqual(Math.max(PAPER_MODEL_MIN_MB, estimatedPeakMB(model, 64)!));
    expect(memory).toBeLessThanOrEqual(LAMBDA_MAX_MB);
  }
  expect(estimatedPeakMB('resnet18', 128)).toBeGreaterThan(estimatedPeakMB('resnet18', 64)!);
});
