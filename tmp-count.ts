import { initBackend } from './lib/ml/backend';
import { createModel } from './lib/ml/models';
import { createRng } from './lib/ml/random';
(async () => {
  await initBackend('wasm');
  for (const kind of ['mobilenet', 'mobilenetv3-small', 'resnet18'] as const) {
    let t = Date.now();
    const m = createModel(kind, { inputShape: [32, 32, 3], numClasses: 10, seed: 1 });
    console.log(kind, m.numParams, 'create ms', Date.now() - t);
    const rng = createRng(3);
    const n = 64;
    const batch = { x: Float32Array.from({ length: n * 3072 }, () => rng.normal()), y: Uint8Array.from({ length: n }, () => rng.int(10)), count: n };
    for (let i = 0; i < 2; i++) { t = Date.now(); const g = m.gradient(batch); console.log(' grad ms', Date.now() - t, g.loss, process.memoryUsage().rss / 1e6); }
    t = Date.now(); console.log(' eval', m.evaluate(batch), Date.now() - t);
    m.dispose();
  }
})();
