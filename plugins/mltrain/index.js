// Entry point Serverless loads (it uses plain require): register tsx, then load the TypeScript plugin.
require('tsx/cjs');
module.exports = require('./src/plugin.ts').MltrainPlugin;
