// Referral use cases: create, read, and move through the workflow with a history row per change.
import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import type { Principal } from '../auth/auth.decorators';
import type { AppConfig } from '../config/app-config';
import { InjectAppConfig } from '../config/config.module';
import { DomainError, NotFoundError } from '../common/domain-error';
import { DEFAULT_PAGE_SIZE, fetchPage, Page } from '../common/pagination';
import type { ChangeReferralStatusDto } from './dtos/change-referral-status.dto';
import type { CreateReferralDto } from './dtos/create-referral.dto';
import type { ListReferralsQuery } from './dtos/list-referrals.query';
import { Referral } from './referral.entity';
import { ReferralChangeSource, ReferralStatusChange } from './referral-status-change.entity';
import type { ReferralStatus } from './referral-status';
import { ReferralTransitionHooks } from './referral-transition-hooks';
import { toReferralView, ReferralView } from './referral.view';
import { checkSystemMove, checkTransition, REFERRAL_SYSTEM_MOVES } from './referral-workflow';
import { AfterCommitBus } from '../events/after-commit.bus';

/** A completed payment that makes its referral `paid`. */
export interface PaidByPayment {
  referralId: string;
  paymentId: string;
  source: ReferralChangeSource;
}

@Injectable()
export class ReferralsService {
  constructor(
    @InjectRepository(Referral) private readonly referrals: Repository<Referral>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly bus: AfterCommitBus,
    private readonly hooks: ReferralTransitionHooks,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  async create(dto: CreateReferralDto, principal: Principal): Promise<ReferralView> {
    return this.bus.transaction(async (manager) => {
      const referral = await manager.save(
        manager.create(Referral, {
          patientName: dto.patientName,
          patientPhone: dto.patientPhone ?? null,
          referringFacility: dto.referringFacility ?? null,
          receivingFacility: dto.receivingFacility ?? null,
          reason: dto.reason ?? null,
          amount: dto.amount ?? this.config.payments.referralFeeKes,
          status: 'pending-admin',
        }),
      );
      await this.recordChange(manager, referral.id, null, 'pending-admin', 'api', principal.role, null);
      // Re-read so generated columns (seq, timestamps) come back as Postgres stored them.
      return toReferralView(await manager.findOneByOrFail(Referral, { id: referral.id }));
    });
  }

  async list(query: ListReferralsQuery): Promise<Page<ReferralView>> {
    const qb = this.referrals.createQueryBuilder('r');
    if (query.status) qb.andWhere('r.status = :status', { status: query.status });
    return fetchPage(qb, { limit: query.limit ?? DEFAULT_PAGE_SIZE, cursor: query.cursor, order: 'newest-first' }, toReferralView);
  }

  async get(id: string): Promise<ReferralView> {
    return toReferralView(await this.findOrFail(this.referrals.manager, id));
  }

  async changeStatus(id: string, dto: ChangeReferralStatusDto, principal: Principal): Promise<ReferralView> {
    return this.bus.transaction(async (manager) => {
      const referral = await this.lockForUpdate(manager, id);
      const from = referral.status;
      const to = dto.status;
      const check = checkTransition(from, to, principal.role);
      if (!check.allowed && check.reason === 'admin-only') {
        throw new DomainError('FORBIDDEN', `Only an admin can move a referral from ${from} to ${to}`);
      }
      if (!check.allowed) {
        throw new DomainError('INVALID_TRANSITION', `A referral cannot move from ${from} to ${to}`, { from, to });
      }
      if (dto.stkPhoneNumber !== undefined && to !== 'pending-payment') {
        throw validationError('stkPhoneNumber', 'stkPhoneNumber is only accepted when moving to pending-payment');
      }
      if (to === 'pending-payment') {
        const phone = dto.stkPhoneNumber ?? referral.stkPhoneNumber;
        if (!phone) throw validationError('stkPhoneNumber', 'stkPhoneNumber is required to move a referral to pending-payment');
        referral.stkPhoneNumber = phone;
      }

      const context = { manager, referral, from, to, role: principal.role };
      await this.hooks.runBefore(context);
      referral.status = to;
      await manager.save(referral);
      await this.recordChange(manager, referral.id, from, to, 'api', principal.role, dto.reason ?? null);
      await this.hooks.runAfter(context);
      return toReferralView(await manager.findOneByOrFail(Referral, { id }));
    });
  }

  /** Reads and locks a referral inside the caller's transaction; payments use it to serialise per referral. */
  async lockForUpdate(manager: EntityManager, id: string): Promise<Referral> {
    const referral = await manager.findOne(Referral, { where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!referral) throw new NotFoundError('Referral', id);
    return referral;
  }

  async findOrFail(manager: EntityManager, id: string): Promise<Referral> {
    const referral = await manager.findOneBy(Referral, { id });
    if (!referral) throw new NotFoundError('Referral', id);
    return referral;
  }

  /**
   * Payments completed: each one's referral becomes `paid` with `paidAt`, in the caller's
   * transaction, where the workflow's system move `paymentCompleted` allows it (from
   * pending-payment); one already paid or confirmed is left alone. Three statements whatever their
   * number. Rows are locked in id order, as every batch does, so two batches cannot deadlock.
   */
  async markPaidByPayments(manager: EntityManager, completions: readonly PaidByPayment[]): Promise<void> {
    const first = new Map<string, PaidByPayment>();
    for (const completion of completions) if (!first.has(completion.referralId)) first.set(completion.referralId, completion);
    if (first.size === 0) return;
    // Plain SQL, two statements for the whole batch: this runs in every settlement batch.
    const locked: { id: string; status: ReferralStatus }[] = await manager.query(
      'SELECT id, status FROM referrals WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE',
      [[...first.keys()]],
    );
    const toPay = locked.filter((referral) => checkSystemMove('paymentCompleted', referral.status, first.get(referral.id)!.source).allowed);
    if (toPay.length === 0) return;
    const to = REFERRAL_SYSTEM_MOVES.paymentCompleted.to;
    await manager.query(
      `WITH paid AS (
         UPDATE referrals SET status = $1, paid_at = now(), updated_at = now() WHERE id = ANY($2::uuid[]) RETURNING id
       )
       INSERT INTO referral_status_changes (referral_id, from_status, to_status, source, actor_role, reason)
       SELECT v.referral_id, v.from_status, $1, v.source, NULL, v.reason
         FROM unnest($2::uuid[], $3::varchar[], $4::varchar[], $5::varchar[]) AS v(referral_id, from_status, source, reason)
         JOIN paid ON paid.id = v.referral_id`,
      [
        to,
        toPay.map((referral) => referral.id),
        toPay.map((referral) => referral.status),
        toPay.map((referral) => first.get(referral.id)!.source),
        toPay.map((referral) => `payment ${first.get(referral.id)!.paymentId} completed`),
      ],
    );
  }

  /**
   * An admin took back the only completed payment: a referral is `paid` exactly when it has a
   * completed payment, so it returns to pending-payment (the workflow's system move
   * `paymentTakenBack`). A confirmed referral is not reopened.
   */
  async markUnpaidByPayment(manager: EntityManager, referralId: string, paymentId: string, reason: string): Promise<void> {
    const referral = await this.lockForUpdate(manager, referralId);
    const move = checkSystemMove('paymentTakenBack', referral.status, 'admin');
    if (!move.allowed) return;
    await manager.update(Referral, { id: referralId }, { status: move.to, paidAt: null });
    await this.recordChange(manager, referralId, referral.status, move.to, 'admin', 'admin', `payment ${paymentId} no longer completed: ${reason}`);
  }

  /** Daraja accepted an STK push for this referral. */
  async countAcceptedPush(manager: EntityManager, referralId: string): Promise<void> {
    await manager.increment(Referral, { id: referralId }, 'stkSentCount', 1);
  }

  async recordChange(
    manager: EntityManager,
    referralId: string,
    from: ReferralStatus | null,
    to: ReferralStatus,
    source: ReferralChangeSource,
    actorRole: string | null,
    reason: string | null,
  ): Promise<void> {
    await manager.insert(ReferralStatusChange, { referralId, fromStatus: from, toStatus: to, source, actorRole, reason });
  }
}

function validationError(field: string, message: string): DomainError {
  return new DomainError('VALIDATION_FAILED', message, { fields: [{ field, messages: [message] }] });
}
