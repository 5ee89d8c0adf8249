// esbuild plugins for serverless-esbuild (custom.esbuild.plugins points here). Plain JS because
// serverless-esbuild requires this file directly.
require('tsx/cjs');
const { copyPsProto } = require('./src/esbuild/copy-ps-proto.ts');

module.exports = [copyPsProto()];
