// Applies callbacks the API has just stored, in batches that size themselves to the load (see
// MicroBatcher): a burst costs a handful of statements per batch rather than a dozen per callback.
// Anything lost here (a crash, a failed batch) is still stored as `received` and the sweeper
// applies it later.
import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { allFulfilled, MicroBatcher, MicroBatcherFullError } from '../../common/micro-batcher';
import { CallbackApplicationService } from './callback-application.service';

/** How long shutdown waits for stored callbacks to be applied before leaving them to the sweeper. */
const DRAIN_LIMIT_MS = 5_000;

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
    await this.batcher.idle(DRAIN_LIMIT_MS);
  }

  /** A failed batch is retried callback by callback, so that one bad callback holds up no other. */
  private async applyBatch(callbackIds: string[]): Promise<PromiseSettledResult<void>[]> {
    try {
      await this.application.applyEach(callbackIds);
    } catch (error) {
      // Not even the failure could be recorded: the callbacks stay `received` for the sweeper.
      for (const id of callbackIds) this.reportFailure(id, error);
    }
    return allFulfilled(callbackIds.map(() => undefined));
  }

  private reportFailure(callbackId: string, error: unknown): void {
    this.logger.error({ callbackId, error: error instanceof Error ? error.message : String(error) }, 'Applying a stored callback failed; the sweeper will retry');
  }
}
