import { decodeTensor, encodeTensor } from '../../ml/tensor';
import type { OptimizerState } from '../../ml/optimizers';
import { loadJson, saveJson } from '../../stores/json';
import type { ObjectStore } from '../../stores/types';

// What a training function writes under its checkpoint prefix before handing over to its next
// invocation: each model-sized tensor as its own float32 file (`<name>.f32`), then a JSON header
// naming them. The header goes last, so a checkpoint without it is incomplete and is never read.

interface Header<H> {
  numParams: number;
  tensors: string[];
  state: H;
}

/** The optimizer's buffers as checkpoint tensors (`opt-<buffer>`), and its step for the header. */
export function optimizerTensors(optimizer: OptimizerState): Record<string, Float32Array> {
  return Object.fromEntries(Object.entries(optimizer.buffers).map(([name, buffer]) => [`opt-${name}`, buffer]));
}

export function optimizerFromTensors(step: number, tensors: Record<string, Float32Array>): OptimizerState {
  const buffers = Object.fromEntries(Object.entries(tensors).filter(([name]) => name.startsWith('opt-')).map(([name, t]) => [name.slice(4), t]));
  return { step, buffers };
}

export async function saveCheckpointFiles<H>(
  store: ObjectStore, prefix: string, numParams: number, tensors: Record<string, Float32Array>, state: H,
): Promise<void> {
  const names = Object.keys(tensors);
  for (const name of names) {
    if (tensors[name].length !== numParams) throw new Error(`checkpoint tensor ${name} has ${tensors[name].length} entries, the model ${numParams}`);
  }
  await Promise.all(names.map((name) => store.save(`${prefix}${name}.f32`, encodeTensor(tensors[name]))));
  const header: Header<H> = { numParams, tensors: names, state };
  await saveJson(store, `${prefix}state.json`, header);
}

export async function loadCheckpointFiles<H>(
  store: ObjectStore, prefix: string, numParams: number,
): Promise<{ state: H; tensors: Record<string, Float32Array> }> {
  const header = await loadJson<Header<H>>(store, `${prefix}state.json`);
  if (!header) throw new Error(`no checkpoint at ${prefix}state.json to resume from`);
  if (header.numParams !== numParams) throw new Error(`checkpoint at ${prefix} holds ${header.numParams} parameters, the model has ${numParams}`);
  const tensors: Record<string, Float32Array> = {};
  for (const name of header.tensors) {
    const bytes = await store.load(`${prefix}${name}.f32`);
    if (!bytes) throw new Error(`checkpoint file ${prefix}${name}.f32 is missing`);
    tensors[name] = decodeTensor(bytes, numParams);
  }
  return { state: header.state, tensors };
}
