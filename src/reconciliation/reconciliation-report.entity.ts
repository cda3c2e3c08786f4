import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { ReportCounts, ReportLine, ReportSource } from './report';

/** One stored Report (migration 1796181600000). */
@Entity('reconciliation_reports')
export class ReconciliationReport {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'bigint', insert: false, update: false })
  seq!: string;

  @Column({ type: 'text' })
  source!: ReportSource;

  @Column({ name: 'period_from', type: 'timestamptz' })
  periodFrom!: Date;

  @Column({ name: 'period_to', type: 'timestamptz' })
  periodTo!: Date;

  @Column({ name: 'file_name', type: 'text', nullable: true })
  fileName!: string | null;

  @Column({ name: 'file_sha256', type: 'text', nullable: true })
  fileSha256!: string | null;

  @Column({ type: 'jsonb' })
  counts!: ReportCounts;

  /** Not selected unless asked for: lists show reports without their lines. */
  @Column({ type: 'jsonb', select: false })
  lines!: ReportLine[];

  @Column({ name: 'created_at', type: 'timestamptz', insert: false, update: false })
  createdAt!: Date;
}
