// Starting payments and reading them. Every way of starting a payment comes through start(); the
// checks are here, the writes in state/payment-creation.ts.
import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, QueryFailedError, Repository } from 'typeorm';
import type { Principal } from '../auth/auth.decorators';
import { ONE_PENDING_PER_REFERRAL, violatedConstraint } from '../common/constraint-errors';
import { DomainError, NotFoundError } from '../common/domain-error';
import { DEFAULT_PAGE_SIZE, fetchPage, Page } from '../common/pagination';
import { parseTimeRange } from '../common/time-range';
import { normalizePhoneNumber } from '../mpesa/phone-number';
import type { Referral } from '../referrals/referral.entity';
import { ReferralsService } from '../referrals/referrals.service';
import type { ListPaymentsQuery } from './dtos/list-payments.query';
import { PaymentEvent } from './payment-event.entity';
import { Payment } from './payment.entity';
import { PaymentEventView, PaymentView, toPaymentEventView, toPaymentView } from './payment.view';
import { refuseWhileReceiptUnderReview } from '../receipts/receipt-rules';
import { AfterCommitBus, emitAfterCommit } from '../events/after-commit.bus';
import { insertPendingPayment, PaymentCreationContext, START_PAYMENT, startPaymentInOneStatement } from './state/payment-creation';

export interface StartPaymentInput {
  referralId: string;
  phoneNumber?: string;
  amount?: number;
  retryOf?: string;
}

/** Who starts a payment: its history row's source and role. */
export type StartPaymentContext = PaymentCreationContext;

@Injectable()
export class PaymentsService {
  constructor(
    @InjectRepository(Payment) private readonly payments: Repository<Payment>,
    @InjectRepository(PaymentEvent) private readonly events: Repository<PaymentEvent>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly bus: AfterCommitBus,
    private readonly referrals: ReferralsService,
  ) {}

  /**
   * Creates a pending payment; its push is published once the row is committed. The usual case
   * (every check passes) is one prepared statement, autocommitted (START_PAYMENT); anything else
   * goes through createPending's transaction, which says precisely why, or creates the payment if
   * what stood in the way has changed since.
   */
  async start(input: StartPaymentInput, principal: Principal): Promise<PaymentView> {
    const context: StartPaymentContext = { source: 'api', actorRole: principal.role };
    const started = await this.startInOneStatement(input, context);
    if (started) return toPaymentView(started);
    const payment = await this.inTransactionGuardingOnePending(input.referralId, (manager) => this.createPending(manager, input, context));
    return toPaymentView(payment);
  }

  /**
   * createPending's checks and writes as one statement: the inserted payment, or null when a check
   * refused (nothing written then). Same lock, same rules, same history row; the after-commit
   * events go to the bus once the statement has answered, as the bus's own transaction would.
   */
  private async startInOneStatement(input: StartPaymentInput, context: StartPaymentContext): Promise<Payment | null> {
    if (input.retryOf) return null;
    const phone = input.phoneNumber === undefined ? null : normalizePhoneNumber(input.phoneNumber);
    // A phone given but not a Kenyan mobile number: createPending answers which check refuses first.
    if (input.phoneNumber !== undefined && phone === null) return null;
    let rows: Payment[];
    try {
      rows = await startPaymentInOneStatement(this.dataSource, { referralId: input.referralId, phoneNumber: phone, amount: input.amount ?? null }, context);
    } catch (error) {
      const driverError = error as Error & { code?: string };
      // As TypeORM reports it, so the constraint mapping (a lost race on the one-pending index: 409) applies.
      const failed = typeof driverError.code === 'string' ? new QueryFailedError(START_PAYMENT.text, [], driverError) : error;
      if (violatedConstraint(failed) === ONE_PENDING_PER_REFERRAL) {
        const pending = await this.payments.findOne({ where: { referralId: input.referralId, status: 'pending' } });
        throw paymentInProgress(pending?.id ?? null);
      }
      throw failed;
    }
    const [payment] = rows;
    if (!payment) return null;
    await this.bus.committed([
      { topic: 'payment-changed', event: { paymentId: payment.id, referralId: payment.referralId, type: 'created', fromStatus: null, toStatus: 'pending', source: context.source } },
      { topic: 'push-owed', event: { paymentId: payment.id } },
    ]);
    return payment;
  }

  /**
   * Inside the caller's transaction (the referral is locked by it): checks the referral can take a
   * payment (pending-payment, none pending, no receipt of that phone and amount under review) and inserts it. The push is owed from then on: the bus publishes it after the commit
   * (and the sweeper, should that publish be lost).
   */
  async createPending(manager: EntityManager, input: StartPaymentInput, context: StartPaymentContext, lockedReferral?: Referral): Promise<Payment> {
    const referral = lockedReferral ?? (await this.referrals.lockForUpdate(manager, input.referralId));
    if (referral.status !== 'pending-payment') {
      throw new DomainError('INVALID_TRANSITION', `A payment can only start while the referral is pending-payment (it is ${referral.status})`, {
        referralStatus: referral.status,
      });
    }
    const pending = await manager.findOne(Payment, { where: { referralId: referral.id, status: 'pending' } });
    if (pending) throw paymentInProgress(pending.id);
    const phoneNumber = input.phoneNumber ?? referral.stkPhoneNumber;
    if (!phoneNumber || !normalizePhoneNumber(phoneNumber)) {
      throw new DomainError('VALIDATION_FAILED', 'phoneNumber is required: the referral has no stkPhoneNumber', {
        fields: [{ field: 'phoneNumber', messages: ['phoneNumber is required: the referral has no stkPhoneNumber'] }],
      });
    }
    const phone = normalizePhoneNumber(phoneNumber) as string;
    const amount = input.amount ?? referral.amount;
    // Money of this phone and amount that paid no payment yet: the patient may have paid already.
    await refuseWhileReceiptUnderReview(manager, phone, amount);
    const inserted = await insertPendingPayment(manager, { referralId: referral.id, phoneNumber: phone, amount, retryOf: input.retryOf ?? null }, context);
    emitAfterCommit(manager, 'push-owed', { paymentId: inserted.id });
    return inserted;
  }

  /**
   * Runs `work` in a transaction and turns a lost race on the one-pending-payment index into the
   * contract's 409 with the winner's id. (The referral lock serialises requests already; the index
   * is the guarantee that holds even for code paths that forget to take it.)
   */
  async inTransactionGuardingOnePending<T>(referralId: string, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await this.bus.transaction(work);
    } catch (error) {
      if (violatedConstraint(error) === ONE_PENDING_PER_REFERRAL) {
        const pending = await this.payments.findOne({ where: { referralId, status: 'pending' } });
        throw paymentInProgress(pending?.id ?? null);
      }
      throw error;
    }
  }

  async get(id: string): Promise<PaymentView & { events: PaymentEventView[] }> {
    const payment = await this.payments.findOneBy({ id });
    if (!payment) throw new NotFoundError('Payment', id);
    const events = await this.events.find({ where: { paymentId: id }, order: { id: 'ASC' } });
    return { ...toPaymentView(payment), events: events.map(toPaymentEventView) };
  }

  /** Newest first by createdAt, like every list. */
  async listForReferral(referralId: string): Promise<PaymentView[]> {
    await this.referrals.findOrFail(this.payments.manager, referralId);
    const rows = await this.payments.find({ where: { referralId }, order: { createdAt: 'DESC', seq: 'DESC' } });
    return rows.map(toPaymentView);
  }

  async list(query: ListPaymentsQuery): Promise<Page<PaymentView>> {
    const range = parseTimeRange(query.from, query.to);
    const qb = this.payments.createQueryBuilder('p');
    if (query.referralId) qb.andWhere('p.referral_id = :referralId', { referralId: query.referralId });
    if (query.phoneNumber) qb.andWhere('p.phone_number = :phone', { phone: query.phoneNumber });
    if (query.status) qb.andWhere('p.status = :status', { status: query.status });
    if (range.from) qb.andWhere('p.created_at >= :from', { from: range.from });
    if (range.to) qb.andWhere('p.created_at < :to', { to: range.to });
    return fetchPage(qb, { limit: query.limit ?? DEFAULT_PAGE_SIZE, cursor: query.cursor, order: 'newest-first' }, toPaymentView);
  }

  /** Pending payments, oldest first: what an operator looks at first. */
  async listPending(limit: number | undefined, cursor: string | undefined): Promise<Page<PaymentView>> {
    const qb = this.payments.createQueryBuilder('p').where("p.status = 'pending'");
    return fetchPage(qb, { limit: limit ?? DEFAULT_PAGE_SIZE, cursor, order: 'oldest-first' }, toPaymentView);
  }
}

export function paymentInProgress(paymentId: string | null): DomainError {
  return new DomainError('PAYMENT_IN_PROGRESS', 'The referral already has a pending payment', { paymentId });
}
