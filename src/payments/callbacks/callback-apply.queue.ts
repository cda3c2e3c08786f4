// Applies callbacks the API has just stored, in batches that size themselves to the load (see
// MicroBatcher): a burst costs a handful of statements per batch rather than a dozen per callback.
// Anything lost here (a crash, a failed batch) is still stored as `received` and the sweeper
// applies it later.
import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { allFulfilled, MicroBatcher, MicroBatcherFullError } from '../../common/micro-batcher';
import { CallbackApplicationService } from './callback-application.service';

/** How long shutdown waits for stored callbacks to be applied before leaving them to the sweeper. */
const DRAIN_LIMIT_MS = 5_000;
/**
 * Waits before a callback the batch skipped (its row locked by another transaction) is submitted
 * again; after the last, the sweeper applies it. The usual lock is the ingest INSERT of its second
 * delivery counting itself (`deliveries + 1`), which commits within milliseconds.
 */
const SKIPPED_RETRY_MS = [50, 250, 1_000] as const;

@Injectable()
export class CallbackApplyQueue implements BeforeApplicationShutdown {
  private readonly logger = new Logger(CallbackApplyQueue.name);
  private readonly batcher = new MicroBatcher<string, void>({
    run: (ids) => this.applyBatch(ids),
    // Bounds one transaction's locks and statement size.
    maxBatch: 200,
    // One batch at a time: what arrives meanwhile goes in the next. Two at once halved the batches
    // (more statements and commits per callback) once they stopped queueing on the stats rows.
    maxInFlight: 1,
    // A burst the API cannot apply as fast as it stores waits here as ids only; past this many,
    // callbacks stay `received` and the sweeper applies them, so the backlog cannot grow without bound.
    maxWaiting: 5_000,
    // So that the answer to Daraja, written just before, goes out first.
    yieldFirst: true,
  });

  /** Warned once per process: the excess is not lost, only applied later. */
  private overloaded = false;
  /** Callbacks a batch skipped, with how many times they were submitted again. */
  private readonly skipped = new Map<string, number>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private closing = false;

  constructor(private readonly application: CallbackApplicationService) {}

  /** Called once the callback is stored and answered; never throws, never waits. */
  submit(callbackId: string): void {
    this.batcher.submit(callbackId).catch((error: unknown) => {
      if (!(error instanceof MicroBatcherFullError)) return this.reportFailure(callbackId, error);
      if (!this.overloaded) this.logger.warn('Callbacks arrive faster than they are applied; the sweeper applies the excess');
      this.overloaded = true;
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    // Skipped callbacks waiting for their next try are left to the sweeper.
    this.closing = true;
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    await this.batcher.idle(DRAIN_LIMIT_MS);
  }

  /** A failed batch is retried callback by callback, so that one bad callback holds up no other. */
  private async applyBatch(callbackIds: string[]): Promise<PromiseSettledResult<void>[]> {
    try {
      const judged = await this.application.applyEach(callbackIds);
      this.retrySkipped(callbackIds.filter((id) => !judged.has(id)));
      for (const id of judged.keys()) this.skipped.delete(id);
    } catch (error) {
      // Not even the failure could be recorded: the callbacks stay `received` for the sweeper.
      for (const id of callbackIds) this.reportFailure(id, error);
    }
    return allFulfilled(callbackIds.map(() => undefined));
  }

  /**
   * A callback absent from a batch's result was either closed already (submitting it again is a
   * no-op) or locked by another transaction and skipped: it goes in again shortly, a few times.
   */
  private retrySkipped(callbackIds: string[]): void {
    for (const id of callbackIds) {
      const tries = this.skipped.get(id) ?? 0;
      if (this.closing || tries >= SKIPPED_RETRY_MS.length) {
        this.skipped.delete(id);
        continue;
      }
      this.skipped.set(id, tries + 1);
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer);
        this.submit(id);
      }, SKIPPED_RETRY_MS[tries]);
      this.retryTimers.add(timer);
    }
  }

  private reportFailure(callbackId: string, error: unknown): void {
    this.logger.error({ callbackId, error: error instanceof Error ? error.message : String(error) }, 'Applying a stored callback failed; the sweeper will retry');
  }
}
