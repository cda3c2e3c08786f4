import { classifyResultCode, ResultReason } from './result-codes';

describe('classifyResultCode', () => {
  const table: [string | number, 'completed' | 'failed', ResultReason][] = [
    [0, 'completed', 'paid'],
    ['0', 'completed', 'paid'],
    [1, 'failed', 'insufficient-funds'],
    [2, 'failed', 'limits'],
    [3, 'failed', 'limits'],
    [4, 'failed', 'limits'],
    [8, 'failed', 'limits'],
    [17, 'failed', 'retryable'],
    [26, 'failed', 'retryable'],
    [1001, 'failed', 'retryable'],
    [1019, 'failed', 'timeout'],
    [1025, 'failed', 'retryable'],
    [9999, 'failed', 'retryable'],
    [1032, 'failed', 'cancelled'],
    ['1032', 'failed', 'cancelled'],
    [1037, 'failed', 'timeout'],
    [2001, 'failed', 'wrong-pin'],
    [2028, 'failed', 'configuration'],
    ['SFC_IC0003', 'failed', 'configuration'],
    ['sfc_ic0003', 'failed', 'configuration'],
    [8006, 'failed', 'wrong-pin'],
    [12345, 'failed', 'unknown'],
    ['4999', 'failed', 'unknown'],
    ['SOMETHING', 'failed', 'unknown'],
    ['constructor', 'failed', 'unknown'],
  ];

  it.each(table)('%p is %s (%s)', (code, outcome, reason) => {
    expect(classifyResultCode(code)).toMatchObject({ outcome, reason });
  });

  it('treats numeric strings like numbers', () => {
    expect(classifyResultCode(' 01 ')).toEqual(classifyResultCode(1));
  });

  it('says how long to wait where Daraja does', () => {
    expect(classifyResultCode(17).retryAfterMs).toBe(120_000);
    expect(classifyResultCode(1001).retryAfterMs).toBe(60_000);
    expect(classifyResultCode(1032).retryAfterMs).toBeUndefined();
  });
});
