// The safety net behind every fast path, run on a schedule by the worker. This is the "sweeper"
// half of never losing an enqueue: a payment row with push_state 'queued' is itself the durable
// record that a push is owed (no separate outbox table to keep in step), so a crash between the
// commit and the publish only delays the push until the next sweep.
import { Injectable, Logger } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config';
import { InjectAppConfig } from '../../config/config.module';
import { IdempotencyStore } from '../../common/idempotency/idempotency.store';
import { CallbackApplicationService } from '../callbacks/callback-application.service';
import { PushDispatcher } from '../push-dispatcher.service';
import { confirmationFrom } from '../evidence';
import { DarajaClient } from '../../mpesa/daraja.client';
import { DarajaRequestError } from '../../mpesa/daraja-request.error';
import { PaymentTransitions } from '../state/payment-transitions';

/** A queued push younger than this is left to the fast path (the API publishes right after commit). */
const QUEUED_GRACE_MS = 10_000;
/** A stored callback younger than this is being applied by the process that stored it. */
const RECEIVED_GRACE_MS = 5_000;
/** Stored callbacks applied per transaction by the sweeper. */
const SWEEP_BATCH = 100;
/** CheckoutRequestIDs confirmed by STK Push Query per sweep; the rest wait for the next one. */
const CONFIRM_BATCH = 50;
/** Unmatched callbacks judged again on every sweep while this young: the pushes that could have sent them may still change. */
const REJUDGE_WINDOW_MS = 60 * 60_000;

export interface SweepReport {
  republished: number;
  madeIndeterminate: number;
  callbacksApplied: number;
  callbacksConfirmed: number;
  idempotencyKeysPurged: number;
}

@Injectable()
export class PaymentSweeper {
  private readonly logger = new Logger(PaymentSweeper.name);

  constructor(
    private readonly transitions: PaymentTransitions,
    @InjectAppConfig() private readonly config: AppConfig,
    private readonly dispatcher: PushDispatcher,
    private readonly callbacks: CallbackApplicationService,
    private readonly idempotency: IdempotencyStore,
    private readonly daraja: DarajaClient,
  ) {}

  async sweep(): Promise<SweepReport> {
    const report: SweepReport = {
      republished: await this.republishOwedPushes(),
      madeIndeterminate: await this.settleAbandonedSends(),
      callbacksConfirmed: await this.confirmUnknownCheckouts(),
      callbacksApplied: await this.applyOpenCallbacks(),
      idempotencyKeysPurged: await this.idempotency.purgeExpired(),
    };
    if (report.republished || report.madeIndeterminate || report.callbacksApplied || report.callbacksConfirmed) this.logger.log(report, 'Sweep repaired leftovers');
    return report;
  }

  private async republishOwedPushes(): Promise<number> {
    const owed = await this.transitions.owedPushes(QUEUED_GRACE_MS, 1000);
    for (const id of owed) await this.dispatcher.republish(id);
    return owed.length;
  }

  /**
   * A push claimed for sending long ago whose job never recorded an answer (its worker died and
   * BullMQ gave up on the stalled job): the prompt may be out, so it is indeterminate, never resent.
   */
  private settleAbandonedSends(): Promise<number> {
    return this.transitions.markStaleSendsIndeterminate(2 * this.config.mpesa.timeoutMs + 60_000);
  }

  /**
   * A callback whose CheckoutRequestID no push of ours was answered with is believed only once Daraja
   * confirms the id (STK Push Query); an id Daraja does not know makes it a forgery (evidence.ts).
   * Each answer is recorded on the callback, which is then judged again.
   */
  private async confirmUnknownCheckouts(): Promise<number> {
    // A query that got no usable answer is asked again a reconciliation interval later.
    const due = await this.transitions.callbacksToConfirm(this.config.payments.reconcileIntervalS * 1000, CONFIRM_BATCH);
    let confirmed = 0;
    for (const { id, checkoutRequestId } of due) {
      let answer: 'known' | 'unknown' | null;
      try {
        answer = confirmationFrom(await this.daraja.stkQuery(checkoutRequestId));
      } catch (error) {
        // The client refuses to send an id Daraja could never have issued (empty, over 100 characters).
        if (!(error instanceof DarajaRequestError)) throw error;
        answer = 'unknown';
      }
      await this.transitions.markConfirmationAsked(id);
      if (answer === null) continue;
      confirmed++;
      // Recorded with its verdict, in one transaction (see applyMany); if that fails, asked again.
      await this.callbacks.applyEach([id], new Map([[id, answer]]));
    }
    return confirmed;
  }

  private async applyOpenCallbacks(): Promise<number> {
    let applied = 0;
    const received = (await this.callbacks.openCallbackIds('received', RECEIVED_GRACE_MS)).map(({ id }) => id);
    for (let start = 0; start < received.length; start += SWEEP_BATCH) {
      // applyEach: a callback that cannot be applied is set aside, never failing the others' batch.
      applied += (await this.callbacks.applyEach(received.slice(start, start + SWEEP_BATCH))).size;
    }
    // Unmatched ones whose payment has since learnt its CheckoutRequestID, and recent ones, whose
    // possible senders (pushes in flight, answers lost) may have changed since they were judged.
    const matchable = await this.transitions.rejudgeableCallbacks(REJUDGE_WINDOW_MS, 500);
    for (let start = 0; start < matchable.length; start += SWEEP_BATCH) {
      const states = await this.callbacks.applyEach(matchable.slice(start, start + SWEEP_BATCH));
      for (const state of states.values()) if (state !== 'unmatched') applied++;
    }
    return applied;
  }
}
