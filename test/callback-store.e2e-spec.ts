// Issue 18, callback side: CallbackStore writes mpesa_callbacks.state only as the callback table
// (callback-state.machine.ts) allows, on the real database: a final callback is never moved again.
import { randomUUID } from 'node:crypto';
import { CallbackStore } from '../src/payments/state/callback-store';
import { startTestApp, TestApp } from './support/test-app';

describe('CallbackStore guards', () => {
  let t: TestApp;
  let store: CallbackStore;

  beforeAll(async () => {
    t = await startTestApp({ role: 'api', env: { AUTO_STK_ON_PENDING_PAYMENT: 'false' } });
    store = t.app.get(CallbackStore);
  });
  afterAll(() => t?.close());

  /** A stored callback in `state`, with a CheckoutRequestID of its own. */
  async function callbackIn(state: string): Promise<{ id: string; checkout: string }> {
    const checkout = `ws_CO_store_${randomUUID()}`;
    const [row]: { id: string }[] = await t.dataSource.query(
      `INSERT INTO mpesa_callbacks (dedupe_key, checkout_request_id, raw_body, state) VALUES ($1, $2, '{}', $3) RETURNING id`,
      [randomUUID().replace(/-/g, ''), checkout, state],
    );
    return { id: row.id, checkout };
  }
  const stateOf = async (id: string) => ((await t.dataSource.query('SELECT state, note FROM mpesa_callbacks WHERE id = $1', [id])) as { state: string; note: string | null }[])[0];
  const verdict = (id: string, state: 'applied' | 'review') => ({ id, state, paymentId: null, note: 'n', confirmation: null });

  it('closes open callbacks with their verdicts, and refuses (rolling back) a verdict on a final one', async () => {
    const received = await callbackIn('received');
    const unmatched = await callbackIn('unmatched');
    await t.dataSource.transaction((m) => store.closeVerdicts(m, [verdict(received.id, 'applied'), verdict(unmatched.id, 'review')]));
    expect(await stateOf(received.id)).toMatchObject({ state: 'applied', note: 'n' });
    expect(await stateOf(unmatched.id)).toMatchObject({ state: 'review' });

    const open = await callbackIn('received');
    await expect(t.dataSource.transaction((m) => store.closeVerdicts(m, [verdict(open.id, 'applied'), verdict(received.id, 'review')]))).rejects.toThrow('refused by the state table');
    expect((await stateOf(open.id)).state).toBe('received');
    expect((await stateOf(received.id)).state).toBe('applied');
  });

  it('counts failures and sets aside open callbacks only', async () => {
    const open = await callbackIn('received');
    expect(await store.recordFailure(open.id, 'boom', false, 2)).toEqual({ state: 'received', applyFailures: 1 });
    expect(await store.recordFailure(open.id, 'boom', false, 2)).toEqual({ state: 'set-aside', applyFailures: 2 });
    expect(await stateOf(open.id)).toMatchObject({ state: 'set-aside', note: 'could not be applied: boom' });
    expect(await store.recordFailure(open.id, 'boom', true, 2)).toBeUndefined();
    const review = await callbackIn('review');
    expect(await store.recordFailure(review.id, 'boom', true, 2)).toBeUndefined();
  });

  it('closes by an admin resolution only an unmatched callback', async () => {
    const unmatched = await callbackIn('unmatched');
    const received = await callbackIn('received');
    await t.dataSource.transaction(async (m) => {
      await store.closeByResolution(m, unmatched.checkout, 'dismissByAdmin', null, 'receipt dismissed');
      await store.closeByResolution(m, received.checkout, 'attachByAdmin', null, 'receipt attached');
    });
    expect(await stateOf(unmatched.id)).toMatchObject({ state: 'dismissed', note: 'receipt dismissed' });
    expect((await stateOf(received.id)).state).toBe('received');
  });
});
