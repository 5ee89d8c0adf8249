import { copyFileSync, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Plugin } from 'esbuild';

/**
 * The tfjs wasm backend loads its .wasm binaries at run time. A bundle does not contain them, and
 * without them tfjs silently falls back to the ~5x slower cpu backend, so ship them beside it.
 */
export function copyTfjsWasm(): Plugin {
  return {
    name: 'copy-tfjs-wasm',
    setup(build) {
      build.onEnd((result) => {
        if (result.errors.length) return;
        const outdir = build.initialOptions.outdir ?? path.dirname(build.initialOptions.outfile ?? '.');
        for (const file of tfjsWasmFiles()) copyFileSync(file, path.join(outdir, path.basename(file)));
      });
    },
  };
}

export function tfjsWasmFiles(): string[] {
  const dist = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  if (!existsSync(dist)) throw new Error(`@tensorflow/tfjs-backend-wasm has no dist folder at ${dist}`);
  const files = readdirSync(dist).filter((f) => f.endsWith('.wasm')).map((f) => path.join(dist, f));
  if (files.length === 0) throw new Error(`no .wasm files in ${dist}: reinstall @tensorflow/tfjs-backend-wasm`);
  return files;
}
