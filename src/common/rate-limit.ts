// A rate limit shared by every process that uses the same Redis key: each call reserves the next
// free slot (slots are 1/rate apart) in one atomic step, then waits until its slot. No bursts and no
// polling; a caller that dies after reserving only wastes its own slots. At high rates a limiter
// reserves a block of consecutive slots (about 50 ms of them) in one step, so the Redis round trip
// is not paid once per slot, which would cap the rate near 1 / round trip.
import type Redis from 'ioredis';

/** Where slots are reserved; Redis in the service, an in-memory fake in unit tests. */
export interface SlotStore {
  /**
   * Reserves `count` consecutive slots (default 1), the first at or after now; `waitMs` is how far
   * in the future the first lies, the others follow `spacingMs` apart.
   */
  reserve(key: string, spacingMs: number, count?: number): Promise<{ waitMs: number; slotAtMs: number }>;
}

// Redis's own clock, so processes with skewed clocks still share one timeline. Milliseconds keep
// every number an exact integer in Lua's doubles.
const RESERVE_SLOT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nextFree = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, nextFree)
local span = tonumber(ARGV[1]) * tonumber(ARGV[2] or '1')
redis.call('SET', KEYS[1], string.format('%.0f', slot + span), 'PX', slot - now + span + 1000)
return {slot - now, slot}
`;

export class RedisSlotStore implements SlotStore {
  constructor(private readonly redis: Redis) {}

  async reserve(key: string, spacingMs: number, count = 1): Promise<{ waitMs: number; slotAtMs: number }> {
    const [waitMs, slotAtMs] = (await this.redis.eval(RESERVE_SLOT, 1, key, spacingMs, count)) as [number, number];
    return { waitMs, slotAtMs };
  }
}

/** Whole milliseconds between two slots, rounded up so the rate is never exceeded. */
export function slotSpacingMs(perSecond: number): number {
  if (!(perSecond > 0)) throw new Error('a rate limit needs a positive rate');
  return Math.ceil(1000 / perSecond);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** How much of the timeline one reservation takes at most: the budget a limiter may leave unused. */
const BLOCK_MS = 50;

export class RateLimiter {
  private readonly spacingMs: number;
  private readonly blockSize: number;
  /** Slots reserved and not yet handed out: the next one's store time, and when it is due locally. */
  private block = { next: 0, left: 0, slotAtMs: 0, dueAt: 0 };

  constructor(
    private readonly store: SlotStore,
    private readonly key: string,
    perSecond: number,
    private readonly wait: (ms: number) => Promise<void> = sleep,
  ) {
    this.spacingMs = slotSpacingMs(perSecond);
    this.blockSize = Math.max(1, Math.floor(BLOCK_MS / this.spacingMs));
  }

  /**
   * Resolves at the caller's slot; returns the slot's time (ms since the epoch, the store's clock).
   * One caller at a time per limiter (calls are awaited in turn).
   */
  async acquire(): Promise<number> {
    if (this.block.left === 0) {
      const { waitMs, slotAtMs } = await this.store.reserve(this.key, this.spacingMs, this.blockSize);
      // The store's clock says when; the local one counts down to it from the answer.
      this.block = { next: 1, left: this.blockSize - 1, slotAtMs, dueAt: Date.now() + waitMs };
      if (waitMs > 0) await this.wait(waitMs);
      return slotAtMs;
    }
    const slotAtMs = this.block.slotAtMs + this.block.next * this.spacingMs;
    const waitMs = this.block.dueAt + this.block.next * this.spacingMs - Date.now();
    if (waitMs < -BLOCK_MS) {
      // Left over from a pause (the end of a round): spent late they would be a burst, so dropped.
      this.block.left = 0;
      return this.acquire();
    }
    this.block.next++;
    this.block.left--;
    if (waitMs > 0) await this.wait(waitMs);
    return slotAtMs;
  }
}
