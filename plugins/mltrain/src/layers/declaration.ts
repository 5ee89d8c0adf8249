import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

// A layer is declared in layers/<name>/layer.json: which packages it provides (their runtime
// closure goes in, nothing else), which non-JS files they load at run time, which native packages
// join only when their installed binary is built for linux-arm64, and its own size budget.

const packageName = z.string().regex(/^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/, 'must be an npm package name');

export const layerDeclarationSchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, 'must be 1-31 lowercase letters, digits and dashes, starting with a letter'),
  description: z.string().max(256),
  /** Entry packages: what handlers require; everything they require in turn comes along. */
  packages: z.array(packageName).min(1),
  /** Files loaded at run time that no require() reveals (the tfjs .wasm binaries), per package. */
  assets: z.record(packageName, z.array(z.string().min(1))).default({}),
  /** Native packages included only when installed with a linux-arm64 binary (Lambda's CPU). */
  nativeWhenArm64: z.array(packageName).default([]),
  licenseInfo: z.string().max(512).optional(),
  /** This layer's own budget, well under Lambda's limits, so growth is noticed early. */
  budget: z.object({ zippedMb: z.number().positive(), unzippedMb: z.number().positive() }),
}).strict();

export type LayerDeclaration = z.output<typeof layerDeclarationSchema>;

export function loadLayerDeclaration(file: string): LayerDeclaration {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`layer declaration ${file} is not valid JSON: ${(err as Error).message}`);
  }
  const result = layerDeclarationSchema.safeParse(json);
  if (!result.success) {
    throw new Error(`layer declaration ${file} is invalid: ${result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  if (path.basename(path.dirname(file)) !== result.data.name) {
    throw new Error(`layer declaration ${file} names layer "${result.data.name}" but sits in folder "${path.basename(path.dirname(file))}"`);
  }
  return result.data;
}

/** Every layers/<name>/layer.json. */
export function loadLayerDeclarations(layersDir: string): LayerDeclaration[] {
  if (!existsSync(layersDir)) return [];
  return readdirSync(layersDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(layersDir, d.name, 'layer.json')))
    .map((d) => loadLayerDeclaration(path.join(layersDir, d.name, 'layer.json')))
    .sort((a, b) => a.name.localeCompare(b.name));
}
