// The outbox. Every payment and referral change already writes a history row in its own
// transaction (payment_events, referral_status_changes); those rows are the outbox, so the payment
// path writes nothing more and a rolled-back change leaves no row to report. A fan-out round, in
// one transaction, claims history rows not yet fanned out (FOR UPDATE SKIP LOCKED, so rounds on
// several workers never take the same rows), writes one event per type they make and one delivery
// per subscribed endpoint, and marks the rows; only after commit are the delivery jobs published.
// Rows are found by their NULL mark, never by a high-water mark of ids: transactions commit out of
// id order, and a row committed late below the mark would be skipped for ever.
// A publish that fails (Redis away, a crash between commit and publish) leaves the delivery
// unpublished; the sweep publishes it again, and also any pending delivery long overdue (a Redis
// that lost its jobs). Jobs have the delivery's id, and the handler does nothing for a delivery no
// longer pending, so publishing twice is harmless.
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
import { deliverWebhookOptions, JOBS, webhookDeliveryJobId } from '../queues/queue-catalogue';
import { Referral } from '../referrals/referral.entity';
import { toReferralView } from '../referrals/referral.view';
import { WebhookEndpoint } from './webhook-endpoint.entity';
import type { WebhookEventSourceKind } from './webhook-event.entity';
import { paymentEventTypes, referralEventTypes, WebhookEventBody } from './webhook-events';

/** History rows claimed per round; a round that fills it goes again at once. */
export const FAN_OUT_BATCH = 500;
/** An unpublished delivery younger than this may still be being published by its round. */
const UNPUBLISHED_GRACE_S = 15;
/** A pending delivery this far past its attempt time has lost its job. */
const OVERDUE_S = 120;

interface Candidate {
  type: string;
  sourceKind: WebhookEventSourceKind;
  sourceId: string;
  at: Date;
  subject: { kind: 'payment' | 'referral'; id: string };
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
  ) {}

  /** Fans out until no unclaimed history row is left (or `maxRounds`); returns the deliveries made. */
  async fanOut(maxRounds = 20): Promise<{ deliveries: number }> {
    let deliveries = 0;
    for (let round = 0; round < maxRounds; round++) {
      const { claimed, deliveryIds } = await this.dataSource.transaction((manager) => this.fanOutRound(manager));
      await this.publish(deliveryIds);
      deliveries += deliveryIds.length;
      if (claimed < FAN_OUT_BATCH) break;
    }
    return { deliveries };
  }

  private async fanOutRound(manager: EntityManager): Promise<{ claimed: number; deliveryIds: string[] }> {
    const payments = (await manager.query(
      `SELECT id::text AS id, payment_id, type, from_status, to_status, at FROM payment_events
        WHERE webhook_fanned_out_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [FAN_OUT_BATCH],
    )) as { id: string; payment_id: string; type: string; from_status: PaymentStatus | null; to_status: PaymentStatus | null; at: Date }[];
    const referrals = (await manager.query(
      `SELECT id, referral_id, to_status, at FROM referral_status_changes
        WHERE webhook_fanned_out_at IS NULL ORDER BY at, id LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [FAN_OUT_BATCH],
    )) as { id: string; referral_id: string; to_status: string; at: Date }[];
    if (payments.length === 0 && referrals.length === 0) return { claimed: 0, deliveryIds: [] };

    const candidates: Candidate[] = [
      ...payments.flatMap((row) =>
        paymentEventTypes({ type: row.type, fromStatus: row.from_status, toStatus: row.to_status }).map((type) => ({
          type,
          sourceKind: 'payment_event' as const,
          sourceId: row.id,
          at: row.at,
          subject: { kind: 'payment' as const, id: row.payment_id },
        })),
      ),
      ...referrals.flatMap((row) =>
        referralEventTypes({ toStatus: row.to_status }).map((type) => ({
          type,
          sourceKind: 'referral_change' as const,
          sourceId: row.id,
          at: row.at,
          subject: { kind: 'referral' as const, id: row.referral_id },
        })),
      ),
    ];
    const endpoints = await manager.find(WebhookEndpoint, { where: { status: 'enabled' } });
    const wanted = candidates.filter((c) => endpoints.some((e) => e.events.includes(c.type)));

    const paymentIds = [...new Set(wanted.filter((c) => c.subject.kind === 'payment').map((c) => c.subject.id))];
    const referralIds = [...new Set(wanted.filter((c) => c.subject.kind === 'referral').map((c) => c.subject.id))];
    // The subject as the API shows it now: rows of one round are seconds old at most.
    const paymentViews = new Map((paymentIds.length ? await manager.findBy(Payment, { id: In(paymentIds) }) : []).map((p) => [p.id, toPaymentView(p)]));
    const referralViews = new Map((referralIds.length ? await manager.findBy(Referral, { id: In(referralIds) }) : []).map((r) => [r.id, toReferralView(r)]));

    const events: NewEvent[] = wanted
      // History order: by time, the payment's row before the referral change it caused (the same
      // transaction writes them in that order), and within a table by the row's own order.
      .sort((a, b) => a.at.getTime() - b.at.getTime() || (a.sourceKind === b.sourceKind ? 0 : a.sourceKind === 'payment_event' ? -1 : 1))
      .map((c) => ({
        type: c.type,
        sourceKind: c.sourceKind,
        sourceId: c.sourceId,
        createdAt: c.at,
        data: c.subject.kind === 'payment' ? paymentViews.get(c.subject.id) : referralViews.get(c.subject.id),
      }))
      .filter((e) => e.data !== undefined);
    const deliveryIds = await writeEvents(manager, events, endpoints);

    if (payments.length) await manager.query(`UPDATE payment_events SET webhook_fanned_out_at = now() WHERE id = ANY($1::bigint[])`, [payments.map((r) => r.id)]);
    if (referrals.length) await manager.query(`UPDATE referral_status_changes SET webhook_fanned_out_at = now() WHERE id = ANY($1::uuid[])`, [referrals.map((r) => r.id)]);
    return { claimed: Math.max(payments.length, referrals.length), deliveryIds };
  }

  /** Publishes delivery jobs; those Redis does not take stay unpublished for the sweep. */
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
      [UNPUBLISHED_GRACE_S, OVERDUE_S],
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

/**
 * Writes events and their deliveries (one per enabled endpoint subscribed to the type) and returns
 * the deliveries' ids. The unique (source, type) key makes a second write of the same event a no-op.
 */
export async function writeEvents(manager: EntityManager, events: readonly NewEvent[], endpoints: readonly WebhookEndpoint[]): Promise<string[]> {
  const deliveryIds: string[] = [];
  for (const event of events) {
    const subscribers = endpoints.filter((e) => e.status === 'enabled' && e.events.includes(event.type));
    if (subscribers.length === 0) continue;
    const id = randomUUID();
    const body: WebhookEventBody = { id, type: event.type, createdAt: event.createdAt.toISOString(), data: event.data };
    const inserted = (await manager.query(
      `INSERT INTO webhook_events (id, type, source_kind, source_id, payload, created_at)
       VALUES ($1, $2, $3, $4, $5::json, $6)
       ON CONFLICT (source_kind, source_id, type) DO NOTHING
       RETURNING id`,
      [id, event.type, event.sourceKind, event.sourceId, JSON.stringify(body), event.createdAt],
    )) as { id: string }[];
    if (inserted.length === 0) continue;
    const rows = (await manager.query(
      `INSERT INTO webhook_deliveries (endpoint_id, event_id, next_attempt_at)
       SELECT unnest($1::uuid[]), $2, now() RETURNING id`,
      [subscribers.map((e) => e.id), id],
    )) as { id: string }[];
    deliveryIds.push(...rows.map((r) => r.id));
  }
  return deliveryIds;
}
