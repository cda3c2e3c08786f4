import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Which history table an event was made from. */
export type WebhookEventSourceKind = 'payment_event' | 'referral_change' | 'receipt_event' | 'report' | 'webhook_endpoint';

/** One event, as every endpoint subscribed to it receives it; `id` is the stable `webhook-id`. */
@Entity('webhook_events')
export class WebhookEventRow {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'bigint', insert: false, update: false })
  seq!: string;

  @Column({ type: 'varchar', length: 60 })
  type!: string;

  @Column({ name: 'source_kind', type: 'varchar', length: 20 })
  sourceKind!: WebhookEventSourceKind;

  @Column({ name: 'source_id', type: 'varchar', length: 60 })
  sourceId!: string;

  /** The exact body sent: `{id, type, createdAt, data}`; json, not jsonb, so it keeps its key order. */
  @Column({ type: 'json' })
  payload!: Record<string, unknown>;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
