import { applyFailureKind } from './callback-application.service';

describe('applyFailureKind', () => {
  const pg = (code: string) => Object.assign(new Error('query failed'), { driverError: { code } });

  it('calls bad data what fails the same way every time', () => {
    expect(applyFailureKind(pg('22001'))).toBe('data');
    expect(applyFailureKind(pg('23505'))).toBe('data');
  });

  it('never counts the database being away or busy against a callback', () => {
    for (const code of ['08006', '40001', '40P01', '53300', '57P01', '58030']) expect(applyFailureKind(pg(code))).toBe('transient');
    expect(applyFailureKind(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe('transient');
    expect(applyFailureKind(new Error('Connection terminated unexpectedly'))).toBe('transient');
    expect(applyFailureKind(new Error('timeout exceeded when trying to connect'))).toBe('transient');
  });

  it('counts anything else (a bug)', () => {
    expect(applyFailureKind(new TypeError('x is undefined'))).toBe('other');
    expect(applyFailureKind(pg('42703'))).toBe('other');
  });
});
