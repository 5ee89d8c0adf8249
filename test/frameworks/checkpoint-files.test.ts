import { loadCheckpointFiles, optimizerFromTensors, optimizerTensors, saveCheckpointFiles } from '../../lib/frameworks/run/checkpoint-files';
import type { ObjectStore } from '../../lib/stores/types';

// The layout every hand-over checkpoint uses. The hand-over tests of each framework run it through
// s3rver; here its edge cases, on a map that records the order of writes.

function mapStore(): ObjectStore & { writes: string[]; objects: Map<string, Buffer> } {
  const objects = new Map<string, Buffer>();
  const writes: string[] = [];
  return {
    kind: 's3', objects, writes,
    save: async (key, bytes) => { objects.set(key, Buffer.from(bytes)); writes.push(key); },
    load: async (key) => objects.get(key),
    loadOrWait: async () => { throw new Error('not used'); },
    delete: async (keys) => { for (const k of keys) objects.delete(k); },
    list: async (prefix) => [...objects.keys()].filter((k) => k.startsWith(prefix)),
    clear: async () => 0,
  };
}

const params = new Float32Array([1.5, -2, 3.25]);
const optimizer = { step: 7, buffers: { m: new Float32Array([0.1, 0.2, 0.3]), v: new Float32Array([4, 5, 6]) } };

test('tensors round-trip bit for bit, the state is returned as saved, and the header is written last', async () => {
  const store = mapStore();
  await saveCheckpointFiles(store, 'ck/', 3, { params, ...optimizerTensors(optimizer) }, { epoch: 2, step: 5 });
  expect(store.writes[store.writes.length - 1]).toBe('ck/state.json');
  expect([...store.objects.keys()].sort()).toEqual(['ck/opt-m.f32', 'ck/opt-v.f32', 'ck/params.f32', 'ck/state.json']);
  expect(store.objects.get('ck/params.f32')!.length).toBe(12); // float32 little-endian, no framing

  const { state, tensors } = await loadCheckpointFiles<{ epoch: number; step: number }>(store, 'ck/', 3);
  expect(state).toEqual({ epoch: 2, step: 5 });
  expect(Array.from(tensors.params)).toEqual(Array.from(params));
  const restored = optimizerFromTensors(7, tensors);
  expect(restored.step).toBe(7);
  expect(Object.keys(restored.buffers).sort()).toEqual(['m', 'v']);
  expect(Array.from(restored.buffers.m)).toEqual(Array.from(optimizer.buffers.m));
});

test('an incomplete or mismatched checkpoint is refused with what is wrong', async () => {
  const store = mapStore();
  await expect(loadCheckpointFiles(store, 'none/', 3)).rejects.toThrow('no checkpoint at none/state.json to resume from');

  await saveCheckpointFiles(store, 'ck/', 3, { params }, {});
  await expect(loadCheckpointFiles(store, 'ck/', 4)).rejects.toThrow('checkpoint at ck/ holds 3 parameters, the model has 4');
  store.objects.delete('ck/params.f32');
  await expect(loadCheckpointFiles(store, 'ck/', 3)).rejects.toThrow('checkpoint file ck/params.f32 is missing');

  await expect(saveCheckpointFiles(store, 'bad/', 3, { params, accumulated: new Float32Array(2) }, {}))
    .rejects.toThrow('checkpoint tensor accumulated has 2 entries, the model 3');
  expect(store.objects.has('bad/state.json')).toBe(false);
});
