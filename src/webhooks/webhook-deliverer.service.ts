// Delivery attempts: sign, send, record. The delivery row is the record of every attempt. A fan-out
// round's deliveries to one endpoint go as one batch job (deliverBatch): each delivery's first
// attempt, over kept-alive connections, up to the endpoint's free slots at once, recorded a few
// dozen at a time in one statement; a delivery whose first attempt failed goes on as its own job
// (deliver), whose retries (BullMQ backoff, the contract's schedule) decide when the next one runs. An
// endpoint none of whose attempts has succeeded for 5 days is disabled, which is itself an event
// (`webhook_endpoint.disabled`, to the other endpoints subscribed to it) and a warning in the log.
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { InjectAppConfig } from '../config/config.module';
import { WebhookMetrics } from '../observability/metrics/webhook-metrics';
import { JobProducer } from '../queues/job-producer.service';
import { deliverWebhookOptions, JOBS, webhookRetryDelayMs } from '../queues/queue-catalogue';
import type { WebhookAttempt } from './webhook-delivery.entity';
import { DeliveryPacer } from './delivery-pacer';
import { ENDPOINT_CONCURRENCY, EndpointSlots, SLOT_RENEW_MS } from './endpoint-slots';
import { WebhookEndpoint } from './webhook-endpoint.entity';
import { WebhookOutbox, writeEvents } from './webhook-outbox.service';
import { keepAliveAgents, SendAgents, sendWebhook } from './webhook-sender';
import { signatureHeaders, WebhookClock } from './webhook-signer';
import { toWebhookEndpointView } from './webhook.view';

export const AUTO_DISABLE_AFTER_MS = 5 * 24 * 3600 * 1000;

/** Attempts a batch records in one statement (and at the end, whatever is left). */
const RECORD_EVERY = 25;

/**
 * Sends in flight at once in one worker process, all batches together: what the delivery queue's
 * concurrency allowed when each job was one attempt, so batches (five lanes each) never take more
 * of the event loop that the payment jobs share than single deliveries did.
 */
export const SENDS_PER_PROCESS = 20;

/** Permits for SENDS_PER_PROCESS, first come first served; batches' lanes and retries alike. */
class SendPermits {
  private free = SENDS_PER_PROCESS;
  private readonly waiting: (() => void)[] = [];

  async take(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  give(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

/**
 * What a batch did; `busy`: no slot free at the endpoint, try the batch again shortly; `held`: it
 * stopped before a delivery the pacer holds back while the payment path is busy (what it had sent
 * is recorded), try again shortly.
 */
export type BatchOutcome = 'busy' | 'held' | { sent: number; succeeded: number; failed: number; skipped: number };

/** `busy`: the endpoint has its fill of deliveries in flight; try this one again shortly. */
export type DeliveryOutcome = 'succeeded' | 'retry' | 'failed' | 'skipped' | 'busy';

export interface AttemptPlan {
  /** An admin's redelivery: one attempt that leaves a failed or pending delivery as it was on failure. */
  manual: boolean;
  /** No attempt follows this one if it fails. */
  last: boolean;
  /** When it fails and is not the last: the wait before the next (for `nextAttemptAt`). */
  retryDelayMs: number;
}

interface SentAttempt {
  deliveryId: string;
  now: Date;
  ok: boolean;
  refused: boolean;
  attempt: WebhookAttempt;
}

interface DeliveryRow {
  id: string;
  status: string;
  endpoint_id: string;
  url: string;
  endpoint_status: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
  event_id: string;
  event_created_at: Date;
  body: string;
}

@Injectable()
export class WebhookDeliverer {
  private readonly logger = new Logger(WebhookDeliverer.name);
  private readonly permits = new SendPermits();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectAppConfig() private readonly config: AppConfig,
    private readonly clock: WebhookClock,
    private readonly metrics: WebhookMetrics,
    private readonly outbox: WebhookOutbox,
    private readonly slots: EndpointSlots,
    private readonly producer: JobProducer,
    private readonly pacer: DeliveryPacer,
  ) {}

  /**
   * The first attempt of each of a round's deliveries to one endpoint (`owner`: the batch job's
   * id, naming its slots). Only deliveries still pending and never attempted are sent, so a batch
   * run again after a crash sends again only what it had not recorded (at least once).
   */
  async deliverBatch(endpointId: string, deliveryIds: readonly string[], owner: string): Promise<BatchOutcome> {
    // Held back whole while its oldest change is: asked of one row, before any slot or read of the batch.
    if (await this.pacer.busy()) {
      const [first] = (await this.dataSource.query(
        `SELECT ev.created_at FROM webhook_deliveries d JOIN webhook_events ev ON ev.id = d.event_id WHERE d.id = $1`,
        [deliveryIds[0]],
      )) as { created_at: Date }[];
      if (first && (await this.pacer.holdDelivery(first.created_at))) return 'held';
    }
    const taken = await this.slots.acquireMany(endpointId, owner, Math.min(ENDPOINT_CONCURRENCY, deliveryIds.length));
    if (taken === 0) return 'busy';
    const renew = setInterval(() => void this.slots.renewMany(endpointId, owner, taken), SLOT_RENEW_MS);
    renew.unref();
    const agents = keepAliveAgents(taken);
    try {
      const rows = (await this.dataSource.query(
        `SELECT d.id, d.status, d.endpoint_id, e.url, e.status AS endpoint_status, e.secret, e.previous_secret,
                e.previous_secret_expires_at, ev.id AS event_id, ev.created_at AS event_created_at, ev.payload::text AS body
           FROM webhook_deliveries d
           JOIN webhook_endpoints e ON e.id = d.endpoint_id
           JOIN webhook_events ev ON ev.id = d.event_id
          WHERE d.id = ANY($1::uuid[]) AND d.status = 'pending' AND d.attempts = '[]'::jsonb
          ORDER BY d.seq`,
        [deliveryIds],
      )) as DeliveryRow[];
      const skipped = deliveryIds.length - rows.length;
      if (rows.length === 0) return { sent: 0, succeeded: 0, failed: 0, skipped };
      if (rows[0].endpoint_status !== 'enabled') {
        await this.dataSource.query(`UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL, updated_at = now() WHERE id = ANY($1::uuid[]) AND status = 'pending'`, [rows.map((r) => r.id)]);
        return { sent: 0, succeeded: 0, failed: 0, skipped: deliveryIds.length };
      }

      let next = 0;
      let held = false;
      let succeeded = 0;
      let pending: SentAttempt[] = [];
      let recording: Promise<void> = Promise.resolve();
      // One writer at a time, in order; a lane waits for the write that holds its attempts.
      const record = () => {
        const chunk = pending;
        pending = [];
        recording = recording.then(() => (chunk.length ? this.recordMany(endpointId, chunk) : undefined));
        return recording;
      };
      const lane = async () => {
        while (!held && next < rows.length) {
          // Taken before the question, which may wait on Redis while other lanes take rows.
          const row = rows[next++];
          // Rows are in event order: once one is held back, so are the rest (left unattempted for the batch's next run).
          if (await this.pacer.holdDelivery(row.event_created_at)) {
            held = true;
            break;
          }
          await this.permits.take();
          let sent: SentAttempt;
          try {
            sent = await this.send(row, agents);
          } finally {
            this.permits.give();
          }
          if (sent.ok) succeeded++;
          pending.push(sent);
          if (pending.length >= RECORD_EVERY) await record();
        }
      };
      await Promise.all(Array.from({ length: Math.min(taken, rows.length) }, lane));
      await record();
      if (held) return 'held';
      return { sent: rows.length, succeeded, failed: rows.length - succeeded, skipped };
    } finally {
      clearInterval(renew);
      agents.destroy();
      await this.slots.releaseMany(endpointId, owner, taken);
    }
  }

  /** The Standard Webhooks headers of a delivery at `now`, signed with its endpoint's secrets (both during a rotation). */
  private signed(row: DeliveryRow, now: Date): ReturnType<typeof signatureHeaders> {
    return signatureHeaders({ secret: row.secret, previousSecret: row.previous_secret, previousSecretExpiresAt: row.previous_secret_expires_at }, row.event_id, row.body, now);
  }

  private async send(row: DeliveryRow, agents: SendAgents): Promise<SentAttempt> {
    const now = this.clock.now();
    const headers = this.signed(row, now);
    const result = await sendWebhook(row.url, { ...headers }, row.body, { allowPrivateUrls: this.config.webhooks.allowPrivateUrls, agents });
    return {
      deliveryId: row.id,
      now,
      ok: result.ok,
      refused: result.refused,
      attempt: { at: now.toISOString(), httpStatus: result.httpStatus, error: result.error, durationMs: result.durationMs },
    };
  }

  /**
   * Records first attempts in one statement: a success ends its delivery, a failure sets the next
   * attempt (the schedule's first wait) and is published as the delivery's own job, which goes on
   * with the schedule from there. A retry Redis does not take now is published by the sweep once
   * overdue. Then the endpoint's failing-since, as one attempt at a time would leave it.
   */
  private async recordMany(endpointId: string, sent: readonly SentAttempt[]): Promise<void> {
    const firstRetryMs = webhookRetryDelayMs(1, this.config.webhooks.retryUnitMs);
    await this.dataSource.query(
      `UPDATE webhook_deliveries d
          SET attempts = d.attempts || jsonb_build_array(u.attempt),
              status = COALESCE(u.status, d.status),
              next_attempt_at = u.next_attempt_at,
              updated_at = now()
         FROM unnest($1::uuid[], $2::jsonb[], $3::varchar[], $4::timestamptz[]) AS u(id, attempt, status, next_attempt_at)
        WHERE d.id = u.id`,
      [
        sent.map((s) => s.deliveryId),
        sent.map((s) => JSON.stringify(s.attempt)),
        sent.map((s) => (s.ok ? 'succeeded' : null)),
        sent.map((s) => (s.ok ? null : new Date(s.now.getTime() + firstRetryMs))),
      ],
    );
    for (const s of sent) this.metrics.attempt(s.ok ? 'succeeded' : s.refused ? 'refused' : 'retrying', s.attempt.durationMs / 1000);

    const failures = sent.filter((s) => !s.ok);
    if (failures.length) {
      try {
        await this.producer.publishBulk(
          JOBS.deliverWebhook,
          failures.map((f) => ({
            data: { deliveryId: f.deliveryId, attemptOffset: 1 },
            options: { ...deliverWebhookOptions(f.deliveryId, this.config, 1), delay: Math.max(0, f.now.getTime() + firstRetryMs - Date.now()) },
          })),
        );
      } catch (error) {
        this.logger.warn({ err: error, deliveries: failures.length }, 'webhook retries not published; the sweep will publish them once overdue');
      }
    }
    const lastSuccess = Math.max(-Infinity, ...sent.filter((s) => s.ok).map((s) => s.now.getTime()));
    if (lastSuccess > -Infinity) await this.dataSource.query(`UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL`, [endpointId]);
    const failingSince = failures.map((f) => f.now).filter((at) => at.getTime() > lastSuccess).sort((a, b) => a.getTime() - b.getTime())[0];
    if (failingSince) await this.noteFailure(endpointId, failingSince);
  }

  async deliver(deliveryId: string, plan: AttemptPlan): Promise<DeliveryOutcome> {
    const [row] = (await this.dataSource.query(
      `SELECT d.id, d.status, d.endpoint_id, e.url, e.status AS endpoint_status, e.secret, e.previous_secret,
              e.previous_secret_expires_at, ev.id AS event_id, ev.created_at AS event_created_at, ev.payload::text AS body
         FROM webhook_deliveries d
         JOIN webhook_endpoints e ON e.id = d.endpoint_id
         JOIN webhook_events ev ON ev.id = d.event_id
        WHERE d.id = $1`,
      [deliveryId],
    )) as DeliveryRow[];
    // Its endpoint was deleted (the delivery with it), or another run already finished it.
    if (!row) return 'skipped';
    if (!plan.manual && row.status !== 'pending') return 'skipped';
    if (!plan.manual && row.endpoint_status !== 'enabled') {
      await this.dataSource.query(`UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL, updated_at = now() WHERE id = $1 AND status = 'pending'`, [deliveryId]);
      return 'skipped';
    }

    if (!(await this.slots.acquire(row.endpoint_id, deliveryId))) return 'busy';
    try {
      return await this.attempt(row, plan);
    } finally {
      await this.slots.release(row.endpoint_id, deliveryId);
    }
  }

  private async attempt(row: DeliveryRow, plan: AttemptPlan): Promise<DeliveryOutcome> {
    const deliveryId = row.id;
    const now = this.clock.now();
    const headers = this.signed(row, now);
    await this.permits.take();
    let result: Awaited<ReturnType<typeof sendWebhook>>;
    try {
      result = await sendWebhook(row.url, { ...headers }, row.body, { allowPrivateUrls: this.config.webhooks.allowPrivateUrls });
    } finally {
      this.permits.give();
    }
    const attempt: WebhookAttempt = { at: now.toISOString(), httpStatus: result.httpStatus, error: result.error, durationMs: result.durationMs };

    if (result.ok) {
      await this.record(deliveryId, attempt, 'succeeded', null);
      await this.dataSource.query(`UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL`, [row.endpoint_id]);
      this.metrics.attempt('succeeded', result.durationMs / 1000);
      return 'succeeded';
    }

    const outcome: DeliveryOutcome = plan.manual || plan.last ? 'failed' : 'retry';
    if (plan.manual) await this.record(deliveryId, attempt, null, undefined);
    else if (plan.last) await this.record(deliveryId, attempt, 'failed', null);
    else await this.record(deliveryId, attempt, null, new Date(now.getTime() + plan.retryDelayMs));
    this.metrics.attempt(result.refused ? 'refused' : outcome === 'retry' ? 'retrying' : 'failed', result.durationMs / 1000);
    await this.noteFailure(row.endpoint_id, now);
    return outcome;
  }

  /** Appends the attempt; `status` null keeps the status, `nextAttemptAt` undefined keeps it. */
  private async record(deliveryId: string, attempt: WebhookAttempt, status: 'succeeded' | 'failed' | null, nextAttemptAt: Date | null | undefined): Promise<void> {
    await this.dataSource.query(
      `UPDATE webhook_deliveries
          SET attempts = attempts || jsonb_build_array($2::jsonb),
              status = COALESCE($3, status),
              next_attempt_at = CASE WHEN $4::boolean THEN next_attempt_at ELSE $5::timestamptz END,
              updated_at = now()
        WHERE id = $1`,
      [deliveryId, JSON.stringify(attempt), status, nextAttemptAt === undefined, nextAttemptAt ?? null],
    );
  }

  private async noteFailure(endpointId: string, now: Date): Promise<void> {
    // An UPDATE … RETURNING answers [rows, affected count].
    const [[endpoint]] = (await this.dataSource.query(
      `UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, $2) WHERE id = $1 RETURNING failing_since, status`,
      [endpointId, now],
    )) as [{ failing_since: Date; status: string }[], number];
    if (!endpoint || endpoint.status !== 'enabled' || now.getTime() - endpoint.failing_since.getTime() < AUTO_DISABLE_AFTER_MS) return;
    await this.disable(endpointId, endpoint.failing_since);
  }

  private async disable(endpointId: string, failingSince: Date): Promise<void> {
    const reason = `every delivery failed for 5 days (since ${failingSince.toISOString()})`;
    const deliveryIds = await this.dataSource.transaction(async (manager) => {
      const changed = (await manager.query(
        `UPDATE webhook_endpoints SET status = 'disabled', disabled_reason = $2, updated_at = now() WHERE id = $1 AND status = 'enabled' RETURNING id`,
        [endpointId, reason],
      )) as [unknown[], number];
      if (changed[1] === 0) return null; // another attempt disabled it first
      const endpoint = await manager.findOneByOrFail(WebhookEndpoint, { id: endpointId });
      const others = await manager.find(WebhookEndpoint, { where: { status: 'enabled' } });
      const event = { type: 'webhook_endpoint.disabled', sourceKind: 'webhook_endpoint' as const, sourceId: `${endpointId}:${failingSince.getTime()}`, createdAt: endpoint.updatedAt, data: toWebhookEndpointView(endpoint) };
      return writeEvents(manager, [event], others);
    });
    if (deliveryIds === null) return;
    this.logger.warn({ endpointId, failingSince: failingSince.toISOString() }, `webhook endpoint disabled: ${reason}`);
    await this.outbox.publishBatches(deliveryIds);
  }
}
