import { QueryFailedError } from 'typeorm';
import { recordRetryingDeadlocks } from './reconciliation.service';

const pgError = (code: string) => new QueryFailedError('UPDATE payments …', [], Object.assign(new Error(code === '40P01' ? 'deadlock detected' : 'boom'), { code }));

describe('recordRetryingDeadlocks', () => {
  it('runs a deadlocked write again', async () => {
    const write = jest.fn().mockRejectedValueOnce(pgError('40P01')).mockResolvedValueOnce('done');
    await expect(recordRetryingDeadlocks(write)).resolves.toBe('done');
    expect(write).toHaveBeenCalledTimes(2);
  });

  it('gives up after three deadlocks', async () => {
    const write = jest.fn().mockRejectedValue(pgError('40P01'));
    await expect(recordRetryingDeadlocks(write)).rejects.toThrow('deadlock detected');
    expect(write).toHaveBeenCalledTimes(3);
  });

  it('does not retry other errors', async () => {
    const write = jest.fn().mockRejectedValue(pgError('23505'));
    await expect(recordRetryingDeadlocks(write)).rejects.toBeInstanceOf(QueryFailedError);
    expect(write).toHaveBeenCalledTimes(1);
  });
});
