// A Postgres cluster and a Redis server of the fault run's own, on free ports in a temporary
// directory, so stopping and restarting them disturbs nothing else on the machine (the developers'
// services, other test runs, CI). Postgres runs through pg_ctl as the `postgres` OS user when this
// process is root (initdb refuses root); Redis is a child process without persistence.
import { ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../support/free-port';

const execFileAsync = promisify(execFile);

export { freePort };

/** Where initdb and pg_ctl live: $PG_BIN, else the newest /usr/lib/postgresql/<v>/bin, else $PATH. */
function postgresBinDir(): string | null {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? join(root, versions[0], 'bin') : null;
}

function osUserIds(name: string): { uid: number; gid: number } {
  const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) throw new Error(`running as root needs an OS user "${name}" to run Postgres`);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class PrivatePostgres {
  private running = false;

  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly binDir: string | null,
    private readonly runAs: string[],
  ) {}

  /** initdb into a fresh temporary directory and start the cluster. */
  static async create(): Promise<PrivatePostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'rp-faults-pg-'));
    const asRoot = process.getuid?.() === 0;
    if (asRoot) {
      const { uid, gid } = osUserIds('postgres');
      chownSync(dir, uid, gid);
    }
    const pg = new PrivatePostgres(dir, await freePort(), postgresBinDir(), asRoot ? ['runuser', '-u', 'postgres', '--'] : []);
    try {
      await pg.run('initdb', ['-D', pg.dataDir, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale', 'C']);
      await pg.start();
    } catch (error) {
      pg.destroySync();
      throw error;
    }
    return pg;
  }

  get dataDir(): string {
    return join(this.dir, 'data');
  }

  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async start(): Promise<void> {
    // Test settings: durability is not what is under test here, speed is welcome.
    const options = [
      `-p ${this.port}`,
      `-k ${this.dir}`,
      '-c listen_addresses=127.0.0.1',
      '-c max_connections=300',
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
    ].join(' ');
    await this.run('pg_ctl', ['-D', this.dataDir, '-o', options, '-l', join(this.dir, 'postgres.log'), '-w', '-t', '60', 'start']);
    this.running = true;
  }

  /** `fast`: sessions are terminated and the server shuts down cleanly (what a restart does). */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.run('pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', '-t', '60', 'stop']);
    this.running = false;
  }

  /** Stops every process and deletes the cluster; safe to call more than once and from an exit handler. */
  destroySync(): void {
    if (this.running || existsSync(join(this.dataDir, 'postmaster.pid'))) {
      const [cmd, ...args] = [...this.runAs, this.bin('pg_ctl'), '-D', this.dataDir, '-m', 'immediate', '-w', 'stop'];
      spawnSync(cmd, args, { stdio: 'ignore' });
      this.running = false;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private bin(name: string): string {
    return this.binDir ? join(this.binDir, name) : name;
  }

  private async run(name: string, args: string[]): Promise<void> {
    const [cmd, ...rest] = [...this.runAs, this.bin(name), ...args];
    try {
      await execFileAsync(cmd, rest, { cwd: this.dir, timeout: 120_000 });
    } catch (error) {
      const e = error as { stderr?: string; stdout?: string; message: string };
      throw new Error(`${name} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
  }
}

/** PING over a raw socket: true when Redis answers within the timeout. */
function redisAnswers(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

export interface PrivateRedisOptions {
  /**
   * Keep the data across restarts: an append-only file fsynced on every write, in the server's
   * own directory, so a stop and start comes back with every key. Default: no persistence.
   */
  persistent?: boolean;
}

export class PrivateRedis {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();

  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly persistent: boolean,
  ) {}

  static async create(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
    const redis = new PrivateRedis(mkdtempSync(join(tmpdir(), 'rp-faults-redis-')), await freePort(), options.persistent ?? false);
    try {
      await redis.start();
    } catch (error) {
      redis.destroySync();
      throw error;
    }
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /**
   * Without `persistent` a restart comes back empty, as a Redis without AOF or snapshots would,
   * unless the stop before it saved a snapshot (stop({ keepData: true })): Redis loads the dump.rdb
   * it finds in its directory at start.
   */
  async start(): Promise<void> {
    const persistence = this.persistent ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', ...persistence, '--dir', this.dir, '--logfile', ''];
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const deadline = Date.now() + 30_000;
    while (!(await redisAnswers(this.port))) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error('redis-server did not answer within 30 s');
      await sleep(50);
    }
  }

  /** keepData: SHUTDOWN SAVE, so the next start() comes back with every key; otherwise it comes back empty. */
  async stop(options: { keepData?: boolean } = {}): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    rmSync(join(this.dir, 'dump.rdb'), { force: true });
    if (child.exitCode === null && child.signalCode === null) {
      if (options.keepData) spawn('redis-cli', ['-p', String(this.port), 'shutdown', 'save'], { stdio: 'ignore' });
      else child.kill('SIGTERM');
    }
    await this.exited;
    if (options.keepData && !existsSync(join(this.dir, 'dump.rdb'))) throw new Error('redis-server stopped without saving its data');
  }

  destroySync(): void {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    this.child = null;
    rmSync(this.dir, { recursive: true, force: true });
  }
}
