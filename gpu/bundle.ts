import { readFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { resolveLayerContents } from '../plugins/mltrain/src/layers/closure';
import { loadLayerDeclaration } from '../plugins/mltrain/src/layers/declaration';
import { writeDeterministicZip, type ZipSizes } from '../plugins/mltrain/src/layers/zip';

// The trainer bundle the GPU instance downloads at every boot: gpu/job.ts bundled for Node (with
// the AWS SDK, which an instance does not have), beside the same trimmed TensorFlow.js files as the
// Lambda layer (layers/tfjs) in node_modules, and a package.json pinning their versions so that
// the bootstrap's `npm install @tensorflow/tfjs-node-gpu@<same version>` shares that one tfjs.

export interface TrainerBundle extends ZipSizes {
  files: number;
  /** What the bootstrap installs on top, pinned to the bundled tfjs version. */
  nativePackage: string;
}

export async function buildGpuTrainerBundle(opts: { repoRoot: string; nodeModulesDir: string; outFile: string }): Promise<TrainerBundle> {
  const bundled = await build({
    entryPoints: [path.join(opts.repoRoot, 'gpu', 'job.ts')], absWorkingDir: opts.repoRoot, bundle: true, platform: 'node',
    target: 'node20', format: 'cjs', write: false, outfile: path.join(opts.repoRoot, 'gpu-job.js'), logLevel: 'silent',
    // tfjs comes from node_modules beside the bundle, so that tfjs-node-gpu, installed there, registers into the same engine.
    external: ['@tensorflow/*'],
    banner: { js: '// mltrain GPU trainer, bundled from gpu/job.ts by gpu/bundle.ts' },
  });
  const tfjs = loadLayerDeclaration(path.join(opts.repoRoot, 'layers', 'tfjs', 'layer.json'));
  const contents = await resolveLayerContents({ ...tfjs, nativeWhenArm64: [] }, opts.nodeModulesDir);
  const version = (pkg: string) => (JSON.parse(readFileSync(path.join(opts.nodeModulesDir, pkg, 'package.json'), 'utf8')) as { version: string }).version;
  const manifest = {
    name: 'mltrain-gpu-trainer', private: true, description: 'Built by gpu/bundle.ts; see docs/frameworks/gpu.md',
    dependencies: Object.fromEntries(tfjs.packages.map((p) => [p, version(p)])),
  };
  const inputs = [
    { name: 'gpu-job.js', source: Buffer.from(bundled.outputFiles[0].contents) },
    { name: 'package.json', source: Buffer.from(JSON.stringify(manifest, null, 2) + '\n') },
    ...contents.files.map((f) => ({ name: `node_modules/${f.rel}`, source: f.abs })),
  ];
  const sizes = writeDeterministicZip(opts.outFile, inputs);
  return { ...sizes, files: inputs.length, nativePackage: `@tensorflow/tfjs-node-gpu@${version('@tensorflow/tfjs')}` };
}
