// A rate limit shared by every process that uses the same Redis key: each call reserves the next
// free slot (slots are 1/rate apart) in one atomic step, then waits until its slot. No bursts and no
// polling; a caller that dies after reserving only wastes its own slot.
import type Redis from 'ioredis';

/** Where slots are reserved; Redis in the service, an in-memory fake in unit tests. */
export interface SlotStore {
  /** Reserves the first slot at or after now; `waitMs` is how far in the future it lies. */
  reserve(key: string, spacingMs: number): Promise<{ waitMs: number; slotAtMs: number }>;
}

// Redis's own clock, so processes with skewed clocks still share one timeline. Milliseconds keep
// every number an exact integer in Lua's doubles.
const RESERVE_SLOT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nextFree = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, nextFree)
local spacing = tonumber(ARGV[1])
redis.call('SET', KEYS[1], string.format('%.0f', slot + spacing), 'PX', slot - now + spacing + 1000)
return {slot - now, slot}
`;

export class RedisSlotStore implements SlotStore {
  constructor(private readonly redis: Redis) {}

  async reserve(key: string, spacingMs: number): Promise<{ waitMs: number; slotAtMs: number }> {
    const [waitMs, slotAtMs] = (await this.redis.eval(RESERVE_SLOT, 1, key, spacingMs)) as [number, number];
    return { waitMs, slotAtMs };
  }
}

/** Whole milliseconds between two slots, rounded up so the rate is never exceeded. */
export function slotSpacingMs(perSecond: number): number {
  if (!(perSecond > 0)) throw new Error('a rate limit needs a positive rate');
  return Math.ceil(1000 / perSecond);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class RateLimiter {
  private readonly spacingMs: number;

  constructor(
    private readonly store: SlotStore,
    private readonly key: string,
    perSecond: number,
    private readonly wait: (ms: number) => Promise<void> = sleep,
  ) {
    this.spacingMs = slotSpacingMs(perSecond);
  }

  /** Resolves at the caller's slot; returns the slot's time (ms since the epoch, the store's clock). */
  async acquire(): Promise<number> {
    const { waitMs, slotAtMs } = await this.store.reserve(this.key, this.spacingMs);
    if (waitMs > 0) await this.wait(waitMs);
    return slotAtMs;
  }
}
