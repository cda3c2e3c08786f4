import { RateLimiter, SlotStore, slotSpacingMs } from './rate-limit';

/** The Redis script's rule, over a fake clock. */
class FakeSlotStore implements SlotStore {
  now = 1_000_000;
  private readonly nextFree = new Map<string, number>();

  async reserve(key: string, spacingMs: number, count = 1) {
    const slot = Math.max(this.now, this.nextFree.get(key) ?? 0);
    this.nextFree.set(key, slot + spacingMs * count);
    return { waitMs: slot - this.now, slotAtMs: slot };
  }
}

describe('slotSpacingMs', () => {
  it('spaces slots 1/rate apart, rounding up', () => {
    expect(slotSpacingMs(5)).toBe(200);
    expect(slotSpacingMs(1)).toBe(1000);
    expect(slotSpacingMs(3)).toBe(334);
    expect(slotSpacingMs(1000)).toBe(1);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => slotSpacingMs(0)).toThrow();
    expect(() => slotSpacingMs(Number.NaN)).toThrow();
  });
});

describe('RateLimiter', () => {
  it('lets the first call through at once and makes the next ones wait their turn', async () => {
    const store = new FakeSlotStore();
    const waits: number[] = [];
    const limiter = new RateLimiter(store, 'k', 5, async (ms) => void waits.push(ms));
    const slots = [await limiter.acquire(), await limiter.acquire(), await limiter.acquire()];
    expect(slots).toEqual([1_000_000, 1_000_200, 1_000_400]);
    expect(waits).toEqual([200, 400]);
  });

  it('shares one timeline between limiters on the same key (other processes)', async () => {
    const store = new FakeSlotStore();
    const noWait = async () => undefined;
    const a = new RateLimiter(store, 'shared', 2, noWait);
    const b = new RateLimiter(store, 'shared', 2, noWait);
    const other = new RateLimiter(store, 'other', 2, noWait);
    const slots = [await a.acquire(), await b.acquire(), await a.acquire(), await other.acquire()];
    expect(slots).toEqual([1_000_000, 1_000_500, 1_001_000, 1_000_000]);
  });

  it('does not bank unused time: after a quiet spell the next call goes at once, then spacing resumes', async () => {
    const store = new FakeSlotStore();
    const waits: number[] = [];
    const limiter = new RateLimiter(store, 'k', 10, async (ms) => void waits.push(ms));
    await limiter.acquire();
    store.now += 60_000;
    await limiter.acquire();
    await limiter.acquire();
    expect(waits).toEqual([100]);
  });

  it('at high rates reserves a block of slots in one step, and still hands them out one spacing apart', async () => {
    const store = new FakeSlotStore();
    const reserve = jest.spyOn(store, 'reserve');
    const limiter = new RateLimiter(store, 'k', 1000, async () => undefined);
    const slots: number[] = [];
    for (let i = 0; i < 120; i++) slots.push(await limiter.acquire());
    expect(slots).toEqual(Array.from({ length: 120 }, (_, i) => 1_000_000 + i));
    expect(reserve).toHaveBeenCalledTimes(3);
    expect(reserve).toHaveBeenCalledWith('k', 1, 50);
    // Another limiter on the key gets the slots after the whole reserved block.
    expect(await new RateLimiter(store, 'k', 1000, async () => undefined).acquire()).toBe(1_000_150);
  });
});
