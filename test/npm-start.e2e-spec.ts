// `npm start` as a newcomer runs it: it builds, serves, and stops when its own pid is sent SIGTERM
// (npm hands the signal to node only when the start script execs node rather than leaving a shell
// between them). The build it leaves behind is incremental and does not confuse a later jest run.
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './support/free-port';
import { createTestDatabase, testRedisPrefix } from './support/test-database';
import { TEST_REDIS_URL } from './support/test-env';
import { waitFor } from './support/wait-for';

const ROOT = join(__dirname, '..');
const run = promisify(execFile);

/** True while some process of the group still exists (signal 0 only checks). */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('npm start', () => {
  let child: ChildProcess | undefined;

  afterAll(() => {
    // Whatever the outcome, leave nothing of the group running.
    if (child?.pid && groupAlive(child.pid)) process.kill(-child.pid, 'SIGKILL');
  });

  it('serves, and SIGTERM to the pid it started stops the service and frees the port', async () => {
    const port = await freePort();
    let output = '';
    // Its own process group, so the test can tell whether anything of it outlives npm.
    child = spawn('npm', ['start'], {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        PORT: String(port),
        PROCESS_ROLE: 'all',
        DATABASE_URL: await createTestDatabase(),
        REDIS_URL: TEST_REDIS_URL,
        REDIS_KEY_PREFIX: testRedisPrefix(),
        LOG_LEVEL: 'warn',
      },
    });
    child.stdout!.on('data', (chunk) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    const pid = child.pid!;

    await waitFor(async () => {
      if (child!.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
      const res = await fetch(`http://127.0.0.1:${port}/health/live`).catch(() => null);
      return res?.ok ?? false;
    }, 'npm start to build and listen', 150_000, 250);

    process.kill(pid, 'SIGTERM');
    await exited;
    await waitFor(async () => !(await portAnswers(port)) && !groupAlive(pid), 'the service to exit and free its port', 40_000, 200);
    expect(await portAnswers(port)).toBe(false);
    expect(groupAlive(pid)).toBe(false);
  }, 240_000);

  it('leaves a build that a second start does not redo, and that jest does not mistake for a module', async () => {
    // The previous test ran npm start, so dist/ is there, package.json copy included.
    expect(existsSync(join(ROOT, 'dist/package.json'))).toBe(true);
    const dry = await run('npx', ['tsc', '-b', 'tsconfig.build.json', '--dry', '--verbose'], { cwd: ROOT });
    expect(dry.stdout).toMatch(/is up to date/);
    expect(dry.stdout).not.toMatch(/would build/i);

    const listed = await run('npx', ['jest', '--listTests'], { cwd: ROOT });
    expect(listed.stdout).toContain('npm-start.e2e-spec.ts');
    expect(listed.stderr).not.toContain('Haste module naming collision');
  }, 60_000);
});
