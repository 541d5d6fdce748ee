module.exports = require('./lib/global-infra.ts').teardownTestInfra;
