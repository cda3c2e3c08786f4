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

/**
 * Still in the tree until src/app/core.module.ts, src/app/http-app.ts and src/worker.ts import
 * src/observability/pino-logger.module.ts instead and package.json drops it (issue 15).
 */
const NOT_YET_REMOVED = new Set(['nestjs-pino']);

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
      .filter((p) => !NOT_YET_REMOVED.has(p.name) && !semver.subset(RANGE, p.node!))
      .map((p) => `${p.name}@${p.version} wants node ${p.node}`);
    expect(outside).toEqual([]);
  });

  it('has no stale exception: each one is still installed and still outside the range', () => {
    const stillOutside = [...NOT_YET_REMOVED].filter((name) =>
      declared.some((p) => p.name === name && !semver.subset(RANGE, p.node!)),
    );
    expect(stillOutside).toEqual([...NOT_YET_REMOVED]);
  });

  it('is what the Docker image runs and the README states', () => {
    const images = [...read('Dockerfile').matchAll(/^FROM node:(\d+)[-.\w]*/gm)].map((m) => Number(m[1]));
    expect(images.length).toBeGreaterThan(0);
    for (const major of images) expect([major, semver.intersects(`^${major}.0.0`, RANGE)]).toEqual([major, true]);
    expect(read('README.md')).toContain(`\`${RANGE}\``);
  });
});
