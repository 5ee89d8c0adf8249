import { resolvePreference } from '../ml/backend';
import { BUILD_HINT, builtAddonFile } from '../ml/native/addon';

/**
 * One console line when a run's functions will train on wasm because the native engine is not
 * built (a fresh machine without oneDNN's and OpenBLAS's headers): the functions say why in their
 * own logs, which a user watching the console does not see. Nothing when the user chose a backend.
 */
export function engineNotice(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (resolvePreference('auto', env) !== 'auto') return undefined;
  if (builtAddonFile(env) !== undefined) return undefined;
  return `the native engine is not built, so the models train on wasm (slower); for the fast path: ${BUILD_HINT}`;
}
