// esbuild plugins for serverless-esbuild (custom.esbuild.plugins points here). Plain JS because
// serverless-esbuild requires this file directly.
require('tsx/cjs');
const { copyTfjsWasm } = require('./src/esbuild/copy-tfjs-wasm.ts');

module.exports = [copyTfjsWasm()];
