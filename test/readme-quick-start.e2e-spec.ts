// The README's "Try it with curl" block, run as written against a real service in simulator mode:
// it must end with the payment completed, each answer on its own line.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ApiProcess, startApiProcess } from './support/api-process';

const run = promisify(execFile);

function quickStartBlock(): string {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Try it with curl'));
  const block = /```bash\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('README has no bash block under "Try it with curl"');
  return block[1];
}

describe('README quick start (curl)', () => {
  let api: ApiProcess;

  beforeAll(async () => {
    api = await startApiProcess({
      PROCESS_ROLE: 'all',
      // The README uses the simulator-mode dev keys.
      API_KEYS: 'admin:dev-admin-key,staff:dev-staff-key',
      SIMULATOR_CALLBACK_DELAY_MS: '1000',
      LOG_LEVEL: 'warn',
    });
  });
  afterAll(async () => {
    api?.child.kill('SIGTERM');
    await api?.exited;
  });

  it('goes on until the referral is paid, printing one JSON answer per line', async () => {
    const script = quickStartBlock().replaceAll('localhost:3000', `127.0.0.1:${api.port}`);
    const { stdout } = await run('bash', ['-c', script], { timeout: 60_000 });
    const answers = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown> | Record<string, unknown>[]);
    expect(answers.map((a) => (Array.isArray(a) ? a.map((p) => p.status) : a.status))).toEqual([
      'awaiting-biodata',
      'pending-payment',
      'paid',
      ['completed'],
    ]);
  });
});
