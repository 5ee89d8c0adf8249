import { initBackend } from '../../lib/ml/backend';
import { batchAt, epochOrder, stepsPerEpoch } from '../../lib/ml/data/batches';
import { loadMnist } from '../../lib/ml/data/mnist';
import { createModel, type ModelKind } from '../../lib/ml/models';
import { createOptimizer } from '../../lib/ml/optimizers';

/** Real MNIST, a short run: enough to show that model, data, optimiser and backend work together. */
function train(kind: ModelKind, steps: number): { accuracy: number } {
  const { train: trainSet, test } = loadMnist();
  const model = createModel(kind, { inputShape: trainSet.featureShape, numClasses: 10, seed: 1 });
  const optimizer = createOptimizer({ kind: 'sgd', lr: 0.05, momentum: 0.9 }, model.numParams);
  const params = model.getParams();
  const order = epochOrder(trainSet.count, 1, 1);
  for (let step = 0; step < steps; step++) {
    const { grad } = model.gradient(batchAt(trainSet, order, step % stepsPerEpoch(trainSet.count, 64), 64));
    optimizer.step(params, grad);
    model.setParams(params);
  }
  const { accuracy } = model.evaluate(test);
  model.dispose();
  return { accuracy };
}

describe('training on MNIST', () => {
  beforeAll(async () => {
    expect((await initBackend('wasm')).name).toBe('wasm');
  });

  it('MLP 784-128-10 reaches ≥ 90% test accuracy after 300 steps of 64', () => {
    const { accuracy } = train('mlp', 300);
    expect(accuracy).toBeGreaterThanOrEqual(0.9);
  });

  it('CNN reaches ≥ 90% test accuracy after 100 steps of 64', () => {
    const { accuracy } = train('cnn', 100);
    expect(accuracy).toBeGreaterThanOrEqual(0.9);
  });
});
