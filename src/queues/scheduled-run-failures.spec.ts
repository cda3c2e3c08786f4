import { ScheduledRunFailures } from './scheduled-run-failures';

describe('ScheduledRunFailures', () => {
  const run = { name: 'ledger-pull-sweep', repeatJobKey: 'ledger-pull-sweep' };

  it('logs a failed scheduled run, then at most one line a minute per schedule with the count in between', () => {
    const warn = jest.fn();
    const failures = new ScheduledRunFailures({ warn }, 60_000);
    expect(failures.report(run, new Error('payment p: reconciliation may not move it from failed to completed (source)'), 0)).toBe(true);
    expect(warn).toHaveBeenLastCalledWith(expect.stringMatching(/^Scheduled run of ledger-pull-sweep \(job scheduler ledger-pull-sweep\) failed: payment p: reconciliation may not move it/));
    expect(failures.report(run, new Error('again'), 30_000)).toBe(false);
    expect(failures.report(run, new Error('again'), 50_000)).toBe(false);
    // Another schedule has its own minute.
    expect(failures.report({ name: 'reconcile-sweep', repeatJobKey: 'reconcile-sweep' }, new Error('Connection terminated'), 50_000)).toBe(true);
    expect(failures.report(run, new Error('still'), 60_000)).toBe(true);
    expect(warn).toHaveBeenLastCalledWith(expect.stringContaining('still (2 more failed runs of it since the last report)'));
    expect(warn).toHaveBeenCalledTimes(3);
  });

  it('leaves jobs no scheduler made alone (their own code reports them)', () => {
    const warn = jest.fn();
    const failures = new ScheduledRunFailures({ warn });
    expect(failures.report({ name: 'send-stk-push' }, new Error('Spike Arrest'))).toBe(false);
    expect(failures.report(undefined, new Error('?'))).toBe(false);
    expect(warn).not.toHaveBeenCalled();
  });
});
