/**
 * End to end on the native engine: with MLTRAIN_TF_BACKEND's 'native' choice, createModel gives
 * the papers' networks on the native graph engine, precise-BN calibration from the training rows
 * works on it, and a few SGD-with-momentum steps on synthetic images lower the loss. Skipped, with
 * the reason printed, where the addon is not built.
 */
import { initBackend } from '../../lib/ml/backend';
import { makeSyntheticImages } from '../../lib/ml/data/synthetic-images';
import { createModel, type ModelKind } from '../../lib/ml/models';
import { calibrateFromTraining } from '../../lib/ml/models/calibration-rows';
import { loadNativeEngine } from '../../lib/ml/native/addon';
import { NativePaperModel } from '../../lib/ml/native/native-paper-model';
import { createOptimizer } from '../../lib/ml/optimizers';

const { engine, reason } = loadNativeEngine();
if (engine === undefined) process.stdout.write(`skipping the native paper-model training test: ${reason}\n`);
const describeNative = engine === undefined ? describe.skip : describe;

describeNative('training the papers’ networks on the native engine', () => {
  beforeAll(async () => {
    expect((await initBackend('native')).name).toBe('native');
    // One thread: with the suite's other workers on the same cores, two threads wait on each other.
    engine!.addon.setThreads(1);
  });

  afterAll(() => engine!.addon.setThreads(engine!.threads));

  it.each<ModelKind>(['mobilenet', 'resnet18'])('%s: createModel picks the native graph', (kind) => {
    const model = createModel(kind, { inputShape: [8, 8, 3], numClasses: 10, seed: 1 });
    expect(model).toBeInstanceOf(NativePaperModel);
    model.dispose();
  });

  // The network with every op kind; the machine is shared, so small images and few rows.
  it('mobilenetv3-small: createModel picks the native graph; 6 SGD steps lower the loss; calibrated evaluation', () => {
    const { train } = makeSyntheticImages({ trainCount: 16, testCount: 1, side: 8, seed: 2 });
    const model = createModel('mobilenetv3-small', { inputShape: [8, 8, 3], numClasses: 10, seed: 1 });
    try {
      expect(model).toBeInstanceOf(NativePaperModel);
      calibrateFromTraining(model, train);
      const before = model.evaluate(train);
      const optimizer = createOptimizer({ kind: 'sgd', lr: 0.02, momentum: 0.9 }, model.numParams);
      const params = model.getParams();
      const losses: number[] = [];
      for (let step = 0; step < 6; step++) {
        const { loss, grad } = model.gradient({ x: train.x, y: train.y, count: train.count });
        losses.push(loss);
        optimizer.step(params, grad);
        model.setParams(params);
      }
      expect(losses[5]).toBeLessThan(0.8 * losses[0]);
      const after = model.evaluate(train);
      expect(Number.isFinite(after.loss)).toBe(true);
      expect(after.loss).not.toBeCloseTo(before.loss, 3); // statistics recomputed for the new parameters
    } finally {
      model.dispose();
    }
  });
});
