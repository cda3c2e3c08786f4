// One set of @swc/core options for compiling the TypeScript sources outside tsc: Jest's transform
// and the in-memory loader child processes use (ts-register.js).
module.exports = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2023',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};
