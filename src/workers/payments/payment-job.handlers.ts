// The payment jobs of the queue catalogue, each handled here once: sending a push, the sweep, the
// stats roll-up and the reconciliation round. Handlers tell BullMQ what happened (ARCHITECTURE: let BullMQ see failures),
// so retries get backoff and final failures show as failed jobs.
import { Injectable } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { JobHandler } from '../../queues/job-handler.registry';
import { JOBS, RetryLaterError, SendStkPushJob } from '../../queues/queue-catalogue';
import { PaymentStatsService } from '../../payments/stats/payment-stats.service';
import { PaymentSweeper } from '../../payments/processors/payment-sweeper.service';
import { ReconciliationService } from '../../payments/processors/reconciliation.service';
import { StkPushSender } from '../../payments/processors/stk-push.sender';

@Injectable()
export class PaymentJobHandlers {
  constructor(
    private readonly sender: StkPushSender,
    private readonly sweeper: PaymentSweeper,
    private readonly reconciliation: ReconciliationService,
    private readonly stats: PaymentStatsService,
  ) {}

  @JobHandler(JOBS.sendStkPush)
  async sendStkPush(job: Job<SendStkPushJob>) {
    const outcome = await this.sender.send(job.data.paymentId);
    if (outcome.kind === 'retry') throw new RetryLaterError(outcome.reason, outcome.retryAfterMs);
    if (outcome.kind === 'failed') throw new UnrecoverableError(outcome.reason);
    return outcome;
  }

  @JobHandler(JOBS.paymentSweep)
  sweep() {
    return this.sweeper.sweep();
  }

  @JobHandler(JOBS.statsRollUp)
  rollUpStats() {
    return this.stats.rollUp();
  }

  @JobHandler(JOBS.reconcileSweep)
  reconcile() {
    return this.reconciliation.run();
  }
}
