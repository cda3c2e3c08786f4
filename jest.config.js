// Jest runs on Node 20, which cannot load NestJS 12's ESM-only packages through Jest's module
// system; @swc/jest compiles both our TypeScript and node_modules/@nestjs to CommonJS.
const swcTransform = ['@swc/jest', require('./test/support/swc-options.js')];

const shared = {
  transform: { '^.+\\.(t|j|mj)s$': swcTransform },
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs)/)'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  testEnvironment: 'node',
  // dist/ (npm start's build) holds a copy of package.json: without this, jest-haste-map warns of
  // a "referral-payments" module name collision in every run after a start.
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
};

module.exports = {
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    {
      ...shared,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/e2e-setup.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
