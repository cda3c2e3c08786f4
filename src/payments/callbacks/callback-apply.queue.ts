// Applies callbacks the API has just stored, in batches that size themselves to the load: while
// a batch is being applied, the callbacks that arrive meanwhile wait and go together in the next.
// One callback alone is applied at once; a burst costs a handful of statements per batch rather
// than a dozen per callback. Anything lost here (a crash, a failed batch) is still stored as
// `received` and the sweeper applies it later.
import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { CallbackApplicationService } from './callback-application.service';

/** Most callbacks applied in one transaction: bounds its locks and its statements' size. */
const MAX_BATCH = 200;
/** Batches applied at once: one fills while the other writes. */
const MAX_IN_FLIGHT = 2;
/** How long shutdown waits for stored callbacks to be applied before leaving them to the sweeper. */
const DRAIN_LIMIT_MS = 5_000;

@Injectable()
export class CallbackApplyQueue implements BeforeApplicationShutdown {
  private readonly logger = new Logger(CallbackApplyQueue.name);
  private waiting: string[] = [];
  private inFlight = 0;
  private scheduled = false;
  private drained: (() => void)[] = [];

  constructor(private readonly application: CallbackApplicationService) {}

  /** Called after the callback is stored and answered; never throws, never waits. */
  submit(callbackId: string): void {
    this.waiting.push(callbackId);
    if (this.scheduled) return;
    // After the current I/O callbacks, so that the answer to Daraja goes out first.
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.isIdle()) return;
    await Promise.race([new Promise<void>((resolve) => this.drained.push(resolve)), new Promise((resolve) => setTimeout(resolve, DRAIN_LIMIT_MS).unref())]);
  }

  private pump(): void {
    while (this.inFlight < MAX_IN_FLIGHT && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, MAX_BATCH);
      this.inFlight += 1;
      void this.applyBatch(batch).finally(() => {
        this.inFlight -= 1;
        this.pump();
        if (this.isIdle()) for (const resolve of this.drained.splice(0)) resolve();
      });
    }
  }

  private isIdle(): boolean {
    return this.inFlight === 0 && this.waiting.length === 0 && !this.scheduled;
  }

  /** A failed batch is retried callback by callback, so that one bad callback holds up no other. */
  private async applyBatch(callbackIds: string[]): Promise<void> {
    try {
      await this.application.applyMany(callbackIds);
      return;
    } catch (error) {
      if (callbackIds.length === 1) return this.reportFailure(callbackIds[0], error);
    }
    for (const id of callbackIds) {
      await this.application.apply(id).catch((error: unknown) => this.reportFailure(id, error));
    }
  }

  private reportFailure(callbackId: string, error: unknown): void {
    this.logger.error({ callbackId, error: error instanceof Error ? error.message : String(error) }, 'Applying a stored callback failed; the sweeper will retry');
  }
}
