import { copyFileSync } from 'node:fs';
import path from 'node:path';
import type { Plugin } from 'esbuild';

// The parameter server's gRPC definition is loaded at run time from parameter-server.proto
// (lib/ps/proto.ts), which a bundle does not contain: ship it beside every bundle that uses it.

export const PS_PROTO_SOURCE = path.resolve(__dirname, '..', '..', '..', '..', 'lib', 'ps', 'parameter-server.proto');
const LOADER_MODULE = `${path.sep}lib${path.sep}ps${path.sep}proto.ts`;

export function copyPsProto(): Plugin {
  return {
    name: 'copy-ps-proto',
    setup(build) {
      // The metafile lists the bundle's inputs: only bundles that load the proto get a copy.
      build.initialOptions.metafile = true;
      build.onEnd((result) => {
        if (result.errors.length || !result.metafile) return;
        const cwd = build.initialOptions.absWorkingDir ?? process.cwd();
        const usesProto = Object.keys(result.metafile.inputs).some((input) => path.resolve(cwd, input).endsWith(LOADER_MODULE));
        if (!usesProto) return;
        const outdir = build.initialOptions.outdir ?? path.dirname(build.initialOptions.outfile ?? '.');
        copyFileSync(PS_PROTO_SOURCE, path.join(outdir, path.basename(PS_PROTO_SOURCE)));
      });
    },
  };
}
