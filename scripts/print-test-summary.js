// Prints Jest's totals as one plain closing line ("N passed, N failed") that any CI reader understands.
const fs = require('node:fs');
const path = require('node:path');

const results = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'test-artifacts', 'jest-results.json'), 'utf8'));
console.log(`jest: ${results.numPassedTests} passed, ${results.numFailedTests} failed`);
process.exit(results.numFailedTests === 0 && results.numTotalTests > 0 ? 0 : 1);
