// The ledger jobs of the queue catalogue: one send of one Transaction Status or Reversal, and the
// round that follows them up. The request rows are the authority on retries (see LedgerRequestsService).
import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { JobHandler } from '../../queues/job-handler.registry';
import { JOBS, SendLedgerRequestJob } from '../../queues/queue-catalogue';
import { LedgerPullService } from '../../ledger/pull/ledger-pull.service';
import { LedgerRequestsService } from '../../ledger/requests/ledger-requests.service';

@Injectable()
export class LedgerJobHandlers {
  constructor(
    private readonly requests: LedgerRequestsService,
    private readonly pull: LedgerPullService,
  ) {}

  @JobHandler(JOBS.sendLedgerRequest)
  send(job: Job<SendLedgerRequestJob>) {
    return this.requests.send(job.data.requestId);
  }

  @JobHandler(JOBS.ledgerRequestsSweep)
  sweep() {
    return this.requests.sweep();
  }

  @JobHandler(JOBS.ledgerPullSweep)
  pullSweep() {
    return this.pull.sweep();
  }
}
