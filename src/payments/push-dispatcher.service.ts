// Publishes the STK push job of a payment. The job id derives from the payment, so publishing
// twice (fast path after commit, then the sweeper) runs the push once.
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { InjectAppConfig } from '../config/config.module';
import { AfterCommitBus } from '../events/after-commit.bus';
import { JobProducer } from '../queues/job-producer.service';
import { JOBS, sendStkPushOptions, stkPushJobId } from '../queues/queue-catalogue';

// Redis is given PUBLISH_TIMEOUT_MS (JobProducer) to take a push job: the payment row already
// records that the push is owed, so giving up only hands it to the sweeper (and a command still
// queued runs later under the same job id, which publishes nothing twice).

@Injectable()
export class PushDispatcher implements OnModuleInit {
  private readonly logger = new Logger(PushDispatcher.name);

  constructor(
    private readonly producer: JobProducer,
    private readonly bus: AfterCommitBus,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  /** A committed payment row that owes a push: its job is published right away (the fast path). */
  onModuleInit(): void {
    this.bus.on('push-owed', async (owed) => {
      for (const { paymentId } of owed) await this.publish(paymentId);
    });
  }

  /**
   * Never throws: the payment row (push_state 'queued') is the durable record that a push is
   * owed, and the sweeper publishes it again if Redis was away now.
   */
  async publish(paymentId: string): Promise<boolean> {
    try {
      await this.producer.publish(JOBS.sendStkPush, { paymentId }, sendStkPushOptions(paymentId, this.config));
      return true;
    } catch (error) {
      this.logger.warn({ paymentId, error: (error as Error).message }, 'Could not publish the STK push job; the sweeper will');
      return false;
    }
  }

  /**
   * Publishes again a push still owed. A finished job with the same id would make add() a no-op,
   * so such a leftover is removed first (its payment is still 'queued', so nothing was sent).
   */
  async republish(paymentId: string): Promise<void> {
    if (await this.producer.clearFinished(JOBS.sendStkPush, stkPushJobId(paymentId))) await this.publish(paymentId);
  }
}
