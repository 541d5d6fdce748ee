// Jest global setup: loaded through jest's transform (which rewrites the @wabridge/* aliases).
module.exports = require('./lib/global-infra.ts').setupTestInfra;
