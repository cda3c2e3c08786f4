// The outbox. Every payment, referral and receipt change already writes a history row in its own
// transaction (payment_events, referral_status_changes, receipt_events), and every reconciliation
// report is a row (reconciliation_reports); those rows are the outbox, so the payment
// path writes nothing more and a rolled-back change leaves no row to report. A fan-out round, in
// one transaction, claims history rows not yet fanned out (FOR UPDATE SKIP LOCKED, so rounds on
// several workers never take the same rows), writes one event per type they make and one delivery
// per subscribed endpoint, and marks the rows; only after commit are the delivery jobs published,
// one job per endpoint for up to WEBHOOK_BATCH_MAX of the round's deliveries (a delivery whose
// first attempt fails goes on as its own job, on the retry schedule). Each step is one statement
// for the whole round, whatever its size. With no endpoint enabled a round only marks the rows.
// Rows are found by their NULL mark, never by a high-water mark of ids: transactions commit out of
// id order, and a row committed late below the mark would be skipped for ever.
// A publish that fails (Redis away, a crash between commit and publish) leaves the delivery
// unpublished; the sweep publishes it again, and also any pending delivery long overdue (a Redis
// that lost its jobs, WEBHOOK_REPUBLISH_AFTER_S). Jobs have the delivery's (or the batch's first
// delivery's) id, and the handlers do nothing for a delivery no longer pending (a batch: nothing
// for one already attempted), so publishing twice is harmless.
import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { InjectAppConfig } from '../config/config.module';
import { Payment } from '../payments/payment.entity';
import type { PaymentStatus } from '../payments/payment-status';
import { toPaymentView } from '../payments/payment.view';
import { JobProducer } from '../queues/job-producer.service';
import { deliverWebhookBatchOptions, deliverWebhookOptions, JOBS, WEBHOOK_BATCH_MAX, webhookDeliveryJobId } from '../queues/queue-catalogue';
import { Receipt } from '../receipts/receipt.entity';
import { toReceiptView } from '../receipts/receipt.view';
import { ReconciliationReport } from '../reconciliation/reconciliation-report.entity';
import { reportSummary } from '../reconciliation/report.view';
import { Referral } from '../referrals/referral.entity';
import { toReferralView } from '../referrals/referral.view';
import { DeliveryPacer } from './delivery-pacer';
import { WebhookEndpoint } from './webhook-endpoint.entity';
import type { WebhookEventSourceKind } from './webhook-event.entity';
import { paymentEventTypes, receiptEventTypes, referralEventTypes, WebhookEventBody } from './webhook-events';

/** History rows claimed per round; a round that fills it goes again at once. */
export const FAN_OUT_BATCH = 500;
/** An unpublished delivery younger than this may still be being published by its round. */
const UNPUBLISHED_GRACE_S = 15;

interface Candidate {
  type: string;
  sourceKind: WebhookEventSourceKind;
  sourceId: string;
  at: Date;
  subject: { kind: 'payment' | 'referral' | 'receipt' | 'report'; id: string };
}

/** A delivery just written, to be published. */
export interface NewDelivery {
  id: string;
  endpointId: string;
}

export interface NewEvent {
  type: string;
  sourceKind: WebhookEventSourceKind;
  sourceId: string;
  createdAt: Date;
  data: unknown;
}

@Injectable()
export class WebhookOutbox {
  private readonly logger = new Logger(WebhookOutbox.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectAppConfig() private readonly config: AppConfig,
    private readonly producer: JobProducer,
    private readonly pacer: DeliveryPacer,
  ) {}

  /**
   * Fans out until no unclaimed history row is left (or `maxRounds`); returns the deliveries made.
   * Nothing, `held`, while the payment path is busy and nothing waits longer than the pacer allows.
   */
  async fanOut(maxRounds = 20): Promise<{ deliveries: number; held?: true }> {
    if ((await this.pacer.holdFanOut()).hold) return { deliveries: 0, held: true };
    let deliveries = 0;
    for (let round = 0; round < maxRounds; round++) {
      const { claimed, made } = await this.dataSource.transaction((manager) => this.fanOutRound(manager));
      await this.publishBatches(made);
      deliveries += made.length;
      if (claimed < FAN_OUT_BATCH) break;
    }
    return { deliveries };
  }

  private async fanOutRound(manager: EntityManager): Promise<{ claimed: number; made: NewDelivery[] }> {
    const endpoints = await enabledEndpoints(manager);
    if (endpoints.length === 0) {
      // Nobody to tell: the rows are only marked (so an endpoint created later is not told of the
      // past), without reading them, one statement for every table.
      const tables = Object.keys(OUTBOX_ORDER) as OutboxTable[];
      const [counts] = (await manager.query(
        `WITH ${tables.map((table, i) => `c${i} AS (${claimSql(table, '1')})`).join(', ')}
         SELECT greatest(${tables.map((_, i) => `(SELECT count(*) FROM c${i})`).join(', ')})::int AS claimed`,
        [FAN_OUT_BATCH],
      )) as { claimed: number }[];
      return { claimed: counts.claimed, made: [] };
    }

    // Claimed and marked in one statement per table: the mark is undone with the round if it fails.
    const payments = (await manager.query(claimSql('payment_events', 'id::text AS id, payment_id, type, from_status, to_status, at'), [FAN_OUT_BATCH])) as [
      { id: string; payment_id: string; type: string; from_status: PaymentStatus | null; to_status: PaymentStatus | null; at: Date }[],
      number,
    ];
    const referrals = (await manager.query(claimSql('referral_status_changes', 'id, referral_id, to_status, at'), [FAN_OUT_BATCH])) as [
      { id: string; referral_id: string; to_status: string; at: Date }[],
      number,
    ];
    const receiptChanges = (await manager.query(claimSql('receipt_events', 'id::text AS id, receipt, from_state, to_state, at'), [FAN_OUT_BATCH])) as [
      { id: string; receipt: string; from_state: string | null; to_state: string | null; at: Date }[],
      number,
    ];
    const reports = (await manager.query(claimSql('reconciliation_reports', 'id, created_at'), [FAN_OUT_BATCH])) as [{ id: string; created_at: Date }[], number];
    const paymentRows = payments[0];
    const referralRows = referrals[0];
    const receiptRows = receiptChanges[0];
    const reportRows = reports[0];
    const claimed = Math.max(paymentRows.length, referralRows.length, receiptRows.length, reportRows.length);
    if (claimed === 0) return { claimed: 0, made: [] };

    const candidates: Candidate[] = [
      ...paymentRows.flatMap((row) =>
        paymentEventTypes({ type: row.type, fromStatus: row.from_status, toStatus: row.to_status }).map((type) => ({
          type,
          sourceKind: 'payment_event' as const,
          sourceId: row.id,
          at: row.at,
          subject: { kind: 'payment' as const, id: row.payment_id },
        })),
      ),
      ...referralRows.flatMap((row) =>
        referralEventTypes({ toStatus: row.to_status }).map((type) => ({
          type,
          sourceKind: 'referral_change' as const,
          sourceId: row.id,
          at: row.at,
          subject: { kind: 'referral' as const, id: row.referral_id },
        })),
      ),
      ...receiptRows.flatMap((row) =>
        receiptEventTypes({ fromState: row.from_state, toState: row.to_state }).map((type) => ({
          type,
          sourceKind: 'receipt_event' as const,
          sourceId: row.id,
          at: row.at,
          subject: { kind: 'receipt' as const, id: row.receipt },
        })),
      ),
      ...reportRows.map((row) => ({
        type: 'reconciliation.report_ready',
        sourceKind: 'report' as const,
        sourceId: row.id,
        at: row.created_at,
        subject: { kind: 'report' as const, id: row.id },
      })),
    ];
    const wanted = candidates.filter((c) => endpoints.some((e) => e.events.includes(c.type)));

    const paymentIds = [...new Set(wanted.filter((c) => c.subject.kind === 'payment').map((c) => c.subject.id))];
    const referralIds = [...new Set(wanted.filter((c) => c.subject.kind === 'referral').map((c) => c.subject.id))];
    // The subject as the API shows it now: rows of one round are seconds old at most.
    const paymentViews = new Map((paymentIds.length ? await manager.findBy(Payment, { id: In(paymentIds) }) : []).map((p) => [p.id, toPaymentView(p)]));
    const referralViews = new Map((referralIds.length ? await manager.findBy(Referral, { id: In(referralIds) }) : []).map((r) => [r.id, toReferralView(r)]));
    const receiptNumbers = [...new Set(wanted.filter((c) => c.subject.kind === 'receipt').map((c) => c.subject.id))];
    const reportIds = [...new Set(wanted.filter((c) => c.subject.kind === 'report').map((c) => c.subject.id))];
    const receiptViews = new Map((receiptNumbers.length ? await manager.findBy(Receipt, { receipt: In(receiptNumbers) }) : []).map((r) => [r.receipt, toReceiptView(r)]));
    // A report as the list shows it: its counts, not its lines (GET /api/reconciliation/reports/:id has those).
    const reportViews = new Map((reportIds.length ? await manager.findBy(ReconciliationReport, { id: In(reportIds) }) : []).map((r) => [r.id, reportSummary(r)]));
    const views: Record<Candidate['subject']['kind'], Map<string, unknown>> = { payment: paymentViews, referral: referralViews, receipt: receiptViews, report: reportViews };

    const events: NewEvent[] = wanted
      // History order: by time, the payment's row before the referral change it caused (the same
      // transaction writes them in that order), and within a table by the row's own order.
      .sort((a, b) => a.at.getTime() - b.at.getTime() || (a.sourceKind === b.sourceKind ? 0 : a.sourceKind === 'payment_event' ? -1 : 1))
      .map((c) => ({
        type: c.type,
        sourceKind: c.sourceKind,
        sourceId: c.sourceId,
        createdAt: c.at,
        data: views[c.subject.kind].get(c.subject.id),
      }))
      .filter((e) => e.data !== undefined);
    const made = await writeEvents(manager, events, endpoints);
    return { claimed, made };
  }

  /**
   * Publishes a round's deliveries: per endpoint, one batch job for up to WEBHOOK_BATCH_MAX of
   * them, all in one round trip; if Redis does not take them they stay unpublished for the sweep.
   */
  async publishBatches(deliveries: readonly NewDelivery[]): Promise<number> {
    if (deliveries.length === 0) return 0;
    const byEndpoint = new Map<string, string[]>();
    for (const d of deliveries) byEndpoint.set(d.endpointId, [...(byEndpoint.get(d.endpointId) ?? []), d.id]);
    const jobs: { data: { endpointId: string; deliveryIds: string[] }; options: ReturnType<typeof deliverWebhookBatchOptions> }[] = [];
    for (const [endpointId, ids] of byEndpoint) {
      for (let i = 0; i < ids.length; i += WEBHOOK_BATCH_MAX) {
        const deliveryIds = ids.slice(i, i + WEBHOOK_BATCH_MAX);
        jobs.push({ data: { endpointId, deliveryIds }, options: deliverWebhookBatchOptions(deliveryIds[0]) });
      }
    }
    try {
      await this.producer.publishBulk(JOBS.deliverWebhookBatch, jobs);
    } catch (error) {
      this.logger.warn({ err: error, deliveries: deliveries.length }, 'webhook deliveries not published; the sweep will publish them');
      return 0;
    }
    await this.dataSource.query(`UPDATE webhook_deliveries SET published_at = now() WHERE id = ANY($1::uuid[])`, [deliveries.map((d) => d.id)]);
    return deliveries.length;
  }

  /** Publishes one job per delivery (retries, the sweep's); those Redis does not take stay unpublished for the sweep. */
  async publish(deliveryIds: readonly string[], attemptsSoFar: ReadonlyMap<string, number> = new Map()): Promise<number> {
    const published: string[] = [];
    for (const deliveryId of deliveryIds) {
      const attemptOffset = attemptsSoFar.get(deliveryId) ?? 0;
      try {
        await this.producer.publish(
          JOBS.deliverWebhook,
          attemptOffset ? { deliveryId, attemptOffset } : { deliveryId },
          deliverWebhookOptions(deliveryId, this.config, attemptOffset),
        );
        published.push(deliveryId);
      } catch (error) {
        this.logger.warn({ err: error, deliveryId }, 'webhook delivery not published; the sweep will publish it');
        break; // Redis is away: the rest would wait out the same timeout one by one.
      }
    }
    if (published.length) await this.dataSource.query(`UPDATE webhook_deliveries SET published_at = now() WHERE id = ANY($1::uuid[])`, [published]);
    return published.length;
  }

  /** Publishes deliveries a crash or a Redis outage left without a job. */
  async sweep(): Promise<{ republished: number }> {
    const rows = (await this.dataSource.query(
      `SELECT id, jsonb_array_length(attempts) AS attempts FROM webhook_deliveries
        WHERE status = 'pending'
          AND ((published_at IS NULL AND created_at < now() - make_interval(secs => $1))
               OR next_attempt_at < now() - make_interval(secs => $2))
        ORDER BY created_at LIMIT 500`,
      [UNPUBLISHED_GRACE_S, this.config.webhooks.republishAfterS],
    )) as { id: string; attempts: number }[];
    const due: string[] = [];
    for (const { id } of rows) {
      // A job still waiting or running for it is left alone; a finished one is cleared so the
      // delivery gets a fresh job (its attempts so far stay recorded on the row).
      if (await this.producer.clearFinished(JOBS.deliverWebhook, webhookDeliveryJobId(id))) due.push(id);
    }
    return { republished: await this.publish(due, new Map(rows.map((r) => [r.id, Number(r.attempts)]))) };
  }
}

/** The outbox's tables, each with the order its rows are claimed in (the order of its partial index). */
const OUTBOX_ORDER = {
  payment_events: 'id',
  referral_status_changes: 'at, id',
  receipt_events: 'id',
  reconciliation_reports: 'seq',
} as const;
type OutboxTable = keyof typeof OUTBOX_ORDER;

/** Claims and marks up to $1 rows not fanned out yet (SKIP LOCKED: rounds on several workers never share one). */
function claimSql(table: OutboxTable, returning: string): string {
  return `UPDATE ${table} SET webhook_fanned_out_at = now()
           WHERE id IN (SELECT id FROM ${table} WHERE webhook_fanned_out_at IS NULL ORDER BY ${OUTBOX_ORDER[table]} LIMIT $1 FOR UPDATE SKIP LOCKED)
           RETURNING ${returning}`;
}

/** The enabled endpoints, with what a fan-out needs of them. */
async function enabledEndpoints(manager: EntityManager): Promise<Pick<WebhookEndpoint, 'id' | 'events'>[]> {
  return (await manager.query(`SELECT id, events FROM webhook_endpoints WHERE status = 'enabled' ORDER BY seq`)) as Pick<WebhookEndpoint, 'id' | 'events'>[];
}

/**
 * Writes events and their deliveries (one per given endpoint subscribed to the type; give only
 * enabled ones) and returns the deliveries, in event order per endpoint: one INSERT for the
 * events, one for the deliveries. The unique (source, type) key makes a second write of the same
 * event a no-op (and makes it no deliveries).
 */
export async function writeEvents(manager: EntityManager, events: readonly NewEvent[], endpoints: readonly Pick<WebhookEndpoint, 'id' | 'events'>[]): Promise<NewDelivery[]> {
  const rows = events
    .map((event) => ({ event, subscribers: endpoints.filter((e) => e.events.includes(event.type)), id: randomUUID() }))
    .filter((r) => r.subscribers.length > 0);
  if (rows.length === 0) return [];
  const bodies = rows.map(({ event, id }): WebhookEventBody => ({ id, type: event.type, createdAt: event.createdAt.toISOString(), data: event.data }));
  const inserted = (await manager.query(
    `INSERT INTO webhook_events (id, type, source_kind, source_id, payload, created_at)
     SELECT * FROM unnest($1::uuid[], $2::varchar[], $3::varchar[], $4::varchar[], $5::json[], $6::timestamptz[])
     ON CONFLICT (source_kind, source_id, type) DO NOTHING
     RETURNING id`,
    [
      rows.map((r) => r.id),
      rows.map((r) => r.event.type),
      rows.map((r) => r.event.sourceKind),
      rows.map((r) => r.event.sourceId),
      bodies.map((b) => JSON.stringify(b)),
      rows.map((r) => r.event.createdAt),
    ],
  )) as { id: string }[];
  const written = new Set(inserted.map((r) => r.id));
  const pairs = rows.filter((r) => written.has(r.id)).flatMap((r) => r.subscribers.map((e) => ({ endpointId: e.id, eventId: r.id })));
  if (pairs.length === 0) return [];
  // Ordered by ordinality, so each endpoint's deliveries are made (and numbered) in event order.
  return (await manager.query(
    `INSERT INTO webhook_deliveries (endpoint_id, event_id, next_attempt_at)
     SELECT endpoint_id, event_id, now() FROM unnest($1::uuid[], $2::uuid[]) WITH ORDINALITY AS u(endpoint_id, event_id, n) ORDER BY n
     RETURNING id, endpoint_id AS "endpointId"`,
    [pairs.map((p) => p.endpointId), pairs.map((p) => p.eventId)],
  )) as NewDelivery[];
}
