import { loadNativeEngine } from '../../lib/ml/native/addon';

/** The backend name a run in this process records: native where the addon is built, wasm otherwise. */
export function expectedModelEngine(): 'native' | 'wasm' {
  return loadNativeEngine().engine === undefined ? 'wasm' : 'native';
}
