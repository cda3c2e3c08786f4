// Lets a child process run the TypeScript sources directly (node -r ./test/support/ts-register.js
// src/worker.ts), compiled in memory by @swc/core with the same options as Jest. Node 20.19+ loads
// the ESM-only NestJS packages through require by itself.
const fs = require('node:fs');
const Module = require('node:module');
const { transformSync } = require('@swc/core');

const options = require('./swc-options.js');

Module._extensions['.ts'] = function compileTypeScript(module, filename) {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), { ...options, filename });
  module._compile(code, filename);
};
