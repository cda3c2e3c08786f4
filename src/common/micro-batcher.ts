// Groups work that arrives close together into batches that size themselves to the load: while
// `maxInFlight` batches run, whatever arrives waits and goes together in the next one. A lone
// item goes at once, so a quiet service pays no delay; a burst pays per batch, not per item.

export interface MicroBatcherOptions<I, O> {
  /**
   * Runs one batch; answers one settled result per item, in order, so that one item can fail
   * alone. A rejection fails every item of the batch.
   */
  run(items: I[]): Promise<PromiseSettledResult<O>[]>;
  /** Most items in one batch. */
  maxBatch: number;
  /** Batches running at once: with 2, one fills while the other runs. */
  maxInFlight: number;
  /** Most items waiting (not yet in a batch); submit() refuses more with MicroBatcherFullError. */
  maxWaiting?: number;
  /**
   * Start the next batch only after the I/O callbacks already queued (setImmediate), e.g. so that
   * an HTTP answer written just before goes out first.
   */
  yieldFirst?: boolean;
}

interface Waiting<I, O> {
  item: I;
  resolve(result: O): void;
  reject(error: unknown): void;
}

export class MicroBatcherFullError extends Error {
  constructor(maxWaiting: number) {
    super(`${maxWaiting} items are already waiting`);
    this.name = 'MicroBatcherFullError';
  }
}

/** Every item of a batch succeeded with these results. */
export function allFulfilled<O>(values: O[]): PromiseSettledResult<O>[] {
  return values.map((value) => ({ status: 'fulfilled', value }));
}

export class MicroBatcher<I, O> {
  private waiting: Waiting<I, O>[] = [];
  private inFlight = 0;
  private scheduled = false;
  private whenIdle: (() => void)[] = [];

  constructor(private readonly options: MicroBatcherOptions<I, O>) {}

  submit(item: I): Promise<O> {
    if (this.options.maxWaiting !== undefined && this.waiting.length >= this.options.maxWaiting) {
      return Promise.reject(new MicroBatcherFullError(this.options.maxWaiting));
    }
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.options.yieldFirst) return this.pump();
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.pump();
      });
    });
  }

  /** Resolves once nothing waits or runs, or after `limitMs`, whichever comes first. */
  async idle(limitMs: number): Promise<void> {
    if (this.isIdle()) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => this.whenIdle.push(resolve)),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, limitMs))),
    ]);
    clearTimeout(timer);
  }

  private pump(): void {
    while (this.inFlight < this.options.maxInFlight && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.options.maxBatch);
      this.inFlight += 1;
      void this.runBatch(batch).finally(() => {
        this.inFlight -= 1;
        this.pump();
        if (this.isIdle()) for (const resolve of this.whenIdle.splice(0)) resolve();
      });
    }
  }

  private async runBatch(batch: Waiting<I, O>[]): Promise<void> {
    try {
      const results = await this.options.run(batch.map((w) => w.item));
      if (results.length !== batch.length) throw new Error(`a batch of ${batch.length} answered ${results.length} results`);
      batch.forEach((w, i) => {
        const result = results[i];
        if (result.status === 'fulfilled') w.resolve(result.value);
        else w.reject(result.reason);
      });
    } catch (error) {
      for (const w of batch) w.reject(error);
    }
  }

  private isIdle(): boolean {
    return this.inFlight === 0 && this.waiting.length === 0 && !this.scheduled;
  }
}
