import type Redis from 'ioredis';
import type { DataSource, QueryRunner } from 'typeorm';
import type { AppConfig } from '../../config/app-config';
import { PaymentEvent } from '../payment-event.entity';
import { Payment } from '../payment.entity';
import { PaymentEventPublisher } from './payment-event.publisher';

const PAYMENT = '11111111-1111-4111-8111-111111111111';
const REFERRAL = '22222222-2222-4222-8222-222222222222';
const flush = () => new Promise((resolve) => setImmediate(resolve));

function setUp(redisStatus = 'ready') {
  const published: { channel: string; message: Record<string, unknown> }[] = [];
  const redis = {
    status: redisStatus,
    publish: jest.fn(async (channel: string, message: string) => {
      published.push({ channel, message: JSON.parse(message) });
      return 1;
    }),
  } as unknown as Redis;
  const query = jest.fn(async () => [{ id: PAYMENT, referral_id: REFERRAL }]);
  const dataSource = { subscribers: [] as unknown[], query } as unknown as DataSource;
  const publisher = new PaymentEventPublisher(dataSource, redis, { redisKeyPrefix: 'rp' } as AppConfig);
  publisher.onModuleInit();

  // Stands in for a Postgres query runner: the flag and the depth as TypeORM keeps them.
  const runner: Pick<QueryRunner, 'data'> & { isTransactionActive: boolean } = { data: {}, isTransactionActive: false };
  let depth = 0;
  const start = () => {
    depth += 1;
    runner.isTransactionActive = true;
    publisher.afterTransactionStart({ queryRunner: runner } as never);
  };
  const end = (outcome: 'commit' | 'rollback') => {
    depth -= 1;
    runner.isTransactionActive = depth > 0;
    if (outcome === 'commit') publisher.afterTransactionCommit({ queryRunner: runner } as never);
    else publisher.afterTransactionRollback({ queryRunner: runner } as never);
  };
  const insertEvent = (type: string, toStatus: string | null = null) =>
    publisher.afterInsert({
      queryRunner: runner,
      metadata: { target: PaymentEvent },
      entity: { id: '1', paymentId: PAYMENT, type, source: 'worker', fromStatus: null, toStatus },
    } as never);
  const insertPayment = () =>
    publisher.afterInsert({ queryRunner: runner, metadata: { target: Payment }, entity: { id: PAYMENT, referralId: REFERRAL } } as never);
  return { publisher, dataSource, published, query, start, end, insertEvent, insertPayment };
}

describe('PaymentEventPublisher', () => {
  it('registers itself on the DataSource once', () => {
    const { publisher, dataSource } = setUp();
    publisher.onModuleInit();
    expect(dataSource.subscribers).toEqual([publisher]);
  });

  it('publishes nothing before the commit, then every event of the transaction', async () => {
    const { published, start, end, insertEvent } = setUp();
    start();
    insertEvent('push-accepted');
    insertEvent('status-changed', 'completed');
    await flush();
    expect(published).toEqual([]);
    end('commit');
    await flush();
    expect(published.map((p) => p.channel)).toEqual(['rp:payment-events', 'rp:payment-events']);
    expect(published.map((p) => p.message)).toEqual([
      expect.objectContaining({ paymentId: PAYMENT, referralId: REFERRAL, type: 'push-accepted', source: 'worker', fromStatus: null, toStatus: null }),
      expect.objectContaining({ type: 'status-changed', toStatus: 'completed' }),
    ]);
    expect(typeof published[0].message.at).toBe('string');
  });

  it('drops the events of a rolled-back transaction', async () => {
    const { published, start, end, insertEvent } = setUp();
    start();
    insertEvent('created', 'pending');
    end('rollback');
    await flush();
    expect(published).toEqual([]);
  });

  it('keeps a released savepoint for the outer commit and forgets a rolled-back one', async () => {
    const { published, start, end, insertEvent } = setUp();
    start();
    insertEvent('outer');
    start();
    insertEvent('kept');
    end('commit'); // RELEASE SAVEPOINT
    start();
    insertEvent('undone');
    end('rollback'); // ROLLBACK TO SAVEPOINT
    await flush();
    expect(published).toEqual([]);
    end('commit');
    await flush();
    expect(published.map((p) => p.message.type)).toEqual(['outer', 'kept']);
  });

  it('knows the referral of a payment inserted in this process without reading it back', async () => {
    const { published, query, start, end, insertEvent, insertPayment } = setUp();
    start();
    insertPayment();
    insertEvent('created', 'pending');
    end('commit');
    await flush();
    expect(query).not.toHaveBeenCalled();
    expect(published[0].message).toMatchObject({ referralId: REFERRAL });
  });

  it('reads the referral once per payment otherwise', async () => {
    const { published, query, start, end, insertEvent } = setUp();
    for (const type of ['push-accepted', 'status-changed']) {
      start();
      insertEvent(type);
      end('commit');
      await flush();
    }
    expect(query).toHaveBeenCalledTimes(1);
    expect(published.map((p) => p.message.type)).toEqual(['push-accepted', 'status-changed']);
  });

  it('publishes an insert made outside a transaction at once', async () => {
    const { published, insertEvent } = setUp();
    insertEvent('created');
    await flush();
    expect(published).toHaveLength(1);
  });

  it('neither throws nor waits when Redis is away', async () => {
    const { published, query, start, end, insertEvent } = setUp('reconnecting');
    start();
    insertEvent('created');
    expect(() => end('commit')).not.toThrow();
    await flush();
    expect(published).toEqual([]);
    expect(query).not.toHaveBeenCalled();
  });

  it('logs, and does not throw, when publishing fails', async () => {
    const { publisher, start, end, insertEvent } = setUp();
    const warn = jest.spyOn((publisher as unknown as { logger: { warn: () => void } }).logger, 'warn').mockImplementation(() => undefined);
    ((publisher as unknown as { redis: { publish: jest.Mock } }).redis.publish).mockRejectedValueOnce(new Error('Connection is closed.'));
    start();
    insertEvent('created');
    end('commit');
    await flush();
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('Connection is closed.'));
  });
});
