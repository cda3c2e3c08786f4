// The publisher as the after-commit bus's 'payment-changed' handler, with a fake Redis and bus.
// (That a rolled-back transaction hands over nothing is the bus's, proved in test/after-commit-bus.)
import { Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '../../config/app-config';
import type { AfterCommitBus } from '../../events/after-commit.bus';
import type { PaymentChange } from '../../events/commit-events';
import { PaymentEventPublisher } from './payment-event.publisher';

const PAYMENT = '11111111-1111-4111-8111-111111111111';
const REFERRAL = '22222222-2222-4222-8222-222222222222';
const flush = () => new Promise((resolve) => setImmediate(resolve));

function setUp(redisStatus = 'ready', publishFails = false) {
  const published: { channel: string; message: Record<string, unknown> }[] = [];
  const redis = {
    status: redisStatus,
    publish: jest.fn(async (channel: string, message: string) => {
      if (publishFails) throw new Error('Connection is closed.');
      published.push({ channel, message: JSON.parse(message) });
      return 1;
    }),
  } as unknown as Redis;
  const query = jest.fn(async () => [{ id: PAYMENT, referral_id: REFERRAL }]);
  let handler: ((changes: readonly PaymentChange[]) => unknown) | undefined;
  const bus = { on: (topic: string, h: typeof handler) => topic === 'payment-changed' && (handler = h) } as unknown as AfterCommitBus;
  const transitions: string[] = [];
  const metrics = { transition: (from: string | null, to: string, source: string) => transitions.push(`${from}->${to} ${source}`) };
  const publisher = new PaymentEventPublisher(bus, { query } as unknown as DataSource, redis, { redisKeyPrefix: 'rp' } as AppConfig, metrics as never);
  publisher.onModuleInit();
  const commit = (...changes: Partial<PaymentChange>[]) =>
    handler!(changes.map((c) => ({ paymentId: PAYMENT, type: 'created', source: 'api', fromStatus: null, toStatus: null, ...c }) as PaymentChange));
  return { published, query, commit, transitions, redis };
}

describe('PaymentEventPublisher', () => {
  it('publishes each committed change on the deployment channel, in order, and counts status changes', async () => {
    const { published, commit, transitions } = setUp();
    commit({ referralId: REFERRAL, type: 'created', toStatus: 'pending' }, { type: 'completed', fromStatus: 'pending', toStatus: 'completed', source: 'callback' });
    await flush();
    expect(published.map((p) => [p.channel, p.message.type, p.message.referralId])).toEqual([
      ['rp:payment-events', 'created', REFERRAL],
      ['rp:payment-events', 'completed', REFERRAL],
    ]);
    expect(transitions).toEqual(['null->pending api', 'pending->completed callback']);
  });

  it('knows the referral a change names without reading it', async () => {
    const { query, commit } = setUp();
    commit({ referralId: REFERRAL });
    await flush();
    commit({ type: 'push-accepted' });
    await flush();
    expect(query).not.toHaveBeenCalled();
  });

  it('reads the referral once per payment otherwise', async () => {
    const { query, commit, published } = setUp();
    commit({ type: 'push-accepted' });
    await flush();
    commit({ type: 'push-retry' });
    await flush();
    expect(query).toHaveBeenCalledTimes(1);
    expect(published.map((p) => p.message.referralId)).toEqual([REFERRAL, REFERRAL]);
  });

  it('neither throws nor waits when Redis is away, and says so once per outage', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      const { commit, published, redis } = setUp('reconnecting');
      expect(() => commit({ referralId: REFERRAL })).not.toThrow();
      expect(() => commit({ referralId: REFERRAL })).not.toThrow();
      await flush();
      expect(published).toEqual([]);
      expect(redis.publish).not.toHaveBeenCalled();
      expect(warn.mock.calls.map((c) => String(c[0]))).toEqual(['Redis is reconnecting: payment events are not published until it is back']);
    } finally {
      warn.mockRestore();
    }
  });

  it('logs, and does not throw, when publishing fails', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      const { commit } = setUp('ready', true);
      expect(() => commit({ referralId: REFERRAL })).not.toThrow();
      await flush();
      await flush();
      expect(warn.mock.calls.map((c) => String(c[0]))).toEqual(['Could not publish 1 payment event(s): Connection is closed.']);
    } finally {
      warn.mockRestore();
    }
  });
});
