import * as tf from '@tensorflow/tfjs';
import { initBackend } from './lib/ml/backend';
import { createModel } from './lib/ml/models';
import { createRng } from './lib/ml/random';
(async () => {
  await initBackend('wasm');
  const kind = (process.argv[2] ?? 'mobilenet') as 'mobilenet';
  const n = Number(process.argv[3] ?? 16);
  const m = createModel(kind, { inputShape: [32, 32, 3], numClasses: 10, seed: 1 });
  const rng = createRng(3);
  const batch = { x: Float32Array.from({ length: n * 3072 }, () => rng.normal()), y: Uint8Array.from({ length: n }, () => rng.int(10)), count: n };
  m.gradient(batch);
  const info = await tf.profile(() => { m.gradient(batch); });
  const byName = new Map<string, number>();
  for (const k of info.kernels) byName.set(k.name, (byName.get(k.name) ?? 0) + (k.kernelTimeMs as number));
  console.log([...byName.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([k, v]) => `${k} ${v.toFixed(0)}`).join('\n'));
})();
