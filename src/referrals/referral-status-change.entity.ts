import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { ReferralStatus } from './referral-status';

/** Who or what moved a referral. */
export type ReferralChangeSource = 'api' | 'callback' | 'reconciliation' | 'admin' | 'worker';

/** The referral's history: one row per status change, written in the same transaction. */
@Entity('referral_status_changes')
export class ReferralStatusChange {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'referral_id', type: 'uuid' })
  referralId!: string;

  @Column({ name: 'from_status', type: 'varchar', length: 20, nullable: true })
  fromStatus!: ReferralStatus | null;

  @Column({ name: 'to_status', type: 'varchar', length: 20 })
  toStatus!: ReferralStatus;

  @Column({ type: 'varchar', length: 20 })
  source!: ReferralChangeSource;

  @Column({ name: 'actor_role', type: 'varchar', length: 20, nullable: true })
  actorRole!: string | null;

  @Column({ type: 'varchar', length: 2000, nullable: true })
  reason!: string | null;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  at!: Date;
}
