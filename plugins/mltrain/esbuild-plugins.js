// esbuild plugins for serverless-esbuild (custom.esbuild.plugins points here). Plain JS because
// serverless-esbuild requires this file directly.
require('tsx/cjs');
const { copyTfjsWasm } = require('./src/esbuild/copy-tfjs-wasm.ts');
const { copyPsProto } = require('./src/esbuild/copy-ps-proto.ts');

module.exports = [copyTfjsWasm(), copyPsProto()];
