// One Node range for everything: package.json's engines must lie inside what every installed
// package declares (else npm ci prints EBADENGINE), and the machine, the Docker image and the
// README must agree with it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';

const ROOT = join(__dirname, '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');
const pkg = JSON.parse(read('package.json')) as { engines: { node: string } };
const lock = JSON.parse(read('package-lock.json')) as {
  packages: Record<string, { version?: string; engines?: { node?: string } | string[]; optional?: boolean }>;
};
const RANGE = pkg.engines.node;

const declared = Object.entries(lock.packages)
  .filter(([path]) => path !== '')
  .map(([path, entry]) => ({
    name: path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length),
    version: entry.version,
    node: !Array.isArray(entry.engines) ? entry.engines?.node : undefined,
    optional: entry.optional === true,
  }))
  .filter((p) => p.node !== undefined && !p.optional);

describe('Node engines', () => {
  it('is a valid range that this machine (and so CI) satisfies', () => {
    expect(semver.validRange(RANGE)).not.toBeNull();
    expect(semver.satisfies(process.version, RANGE)).toBe(true);
  });

  it('lies inside the Node range every installed package declares', () => {
    expect(declared.length).toBeGreaterThan(100);
    const outside = declared
      .filter((p) => !semver.subset(RANGE, p.node!))
      .map((p) => `${p.name}@${p.version} wants node ${p.node}`);
    expect(outside).toEqual([]);
  });

  it('is what the Docker image runs and the README states', () => {
    const images = [...read('Dockerfile').matchAll(/^FROM node:(\d+)[-.\w]*/gm)].map((m) => Number(m[1]));
    expect(images.length).toBeGreaterThan(0);
    for (const major of images) expect([major, semver.intersects(`^${major}.0.0`, RANGE)]).toEqual([major, true]);
    expect(read('README.md')).toContain(`\`${RANGE}\``);
  });
});
