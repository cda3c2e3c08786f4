import { allFulfilled, MicroBatcher, MicroBatcherFullError } from './micro-batcher';

/** A batch runner whose batches finish only when the test says so. */
function controlledRunner() {
  const batches: { items: number[]; finish(): void; fail(error: Error): void }[] = [];
  const run = (items: number[]) =>
    new Promise<PromiseSettledResult<string>[]>((resolve, reject) => {
      batches.push({
        items,
        finish: () => resolve(items.map((n) => (n < 0 ? { status: 'rejected', reason: new Error(`bad ${n}`) } : { status: 'fulfilled', value: `done ${n}` }))),
        fail: reject,
      });
    });
  return { batches, run };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('MicroBatcher', () => {
  it('runs a lone item at once, then groups what arrives while batches run', async () => {
    const { batches, run } = controlledRunner();
    const batcher = new MicroBatcher<number, string>({ run, maxBatch: 3, maxInFlight: 1 });
    const first = batcher.submit(1);
    expect(batches.map((b) => b.items)).toEqual([[1]]);
    const rest = [2, 3, 4, 5].map((n) => batcher.submit(n));
    expect(batches).toHaveLength(1); // waits for the batch in flight

    batches[0].finish();
    await expect(first).resolves.toBe('done 1');
    await settle();
    expect(batches.map((b) => b.items)).toEqual([[1], [2, 3, 4]]); // capped at maxBatch
    batches[1].finish();
    await settle();
    expect(batches[2].items).toEqual([5]);
    batches[2].finish();
    await expect(Promise.all(rest)).resolves.toEqual(['done 2', 'done 3', 'done 4', 'done 5']);
  });

  it('keeps maxInFlight batches running side by side', async () => {
    const { batches, run } = controlledRunner();
    const batcher = new MicroBatcher<number, string>({ run, maxBatch: 10, maxInFlight: 2 });
    for (const n of [1, 2, 3, 4]) void batcher.submit(n);
    expect(batches.map((b) => b.items)).toEqual([[1], [2]]);
    batches[0].finish();
    await settle();
    expect(batches.map((b) => b.items)).toEqual([[1], [2], [3, 4]]);
  });

  it('fails only the item that failed, and every item when the batch itself fails', async () => {
    const { batches, run } = controlledRunner();
    const batcher = new MicroBatcher<number, string>({ run, maxBatch: 10, maxInFlight: 1 });
    const blocker = batcher.submit(0);
    const mixed = [batcher.submit(7), batcher.submit(-1)];
    batches[0].finish();
    await blocker;
    await settle();
    batches[1].finish();
    await expect(mixed[0]).resolves.toBe('done 7');
    await expect(mixed[1]).rejects.toThrow('bad -1');

    const doomed = batcher.submit(8);
    await settle();
    batches[2].fail(new Error('connection lost'));
    await expect(doomed).rejects.toThrow('connection lost');
  });

  it('answers a runner that returns the wrong number of results with an error, not a hang', async () => {
    const batcher = new MicroBatcher<number, number>({ run: async () => allFulfilled([1, 2]), maxBatch: 10, maxInFlight: 1 });
    await expect(batcher.submit(1)).rejects.toThrow('a batch of 1 answered 2 results');
  });

  it('with yieldFirst, starts after the I/O already queued, and idle() waits for the last batch', async () => {
    const order: string[] = [];
    const batcher = new MicroBatcher<number, number>({
      run: async (items) => {
        order.push(`batch ${items.join(',')}`);
        return allFulfilled(items);
      },
      maxBatch: 10,
      maxInFlight: 1,
      yieldFirst: true,
    });
    void batcher.submit(1);
    void batcher.submit(2);
    order.push('after submit');
    await batcher.idle(1000);
    expect(order).toEqual(['after submit', 'batch 1,2']);
  });

  it('refuses items past maxWaiting, without touching those already waiting', async () => {
    const { batches, run } = controlledRunner();
    const batcher = new MicroBatcher<number, string>({ run, maxBatch: 10, maxInFlight: 1, maxWaiting: 2 });
    const running = batcher.submit(0); // goes at once: not waiting
    const waiting = [batcher.submit(1), batcher.submit(2)];
    await expect(batcher.submit(3)).rejects.toBeInstanceOf(MicroBatcherFullError);
    batches[0].finish();
    await running;
    await settle();
    batches[1].finish();
    await expect(Promise.all(waiting)).resolves.toEqual(['done 1', 'done 2']);
    expect(batches.map((b) => b.items)).toEqual([[0], [1, 2]]);
  });

  it('idle() gives up after its limit', async () => {
    const { run } = controlledRunner();
    const batcher = new MicroBatcher<number, string>({ run, maxBatch: 10, maxInFlight: 1 });
    let answered = false;
    void batcher.submit(1).then(() => (answered = true));
    await batcher.idle(50); // the batch never finishes: this must still return
    expect(answered).toBe(false);
  });
});
