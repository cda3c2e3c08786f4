// Receipts: listing them, one with its history, and an admin's resolution of one that paid no
// payment. Attaching applies the evidence table a success callback meets (judgeCallback), so an
// admin cannot do with a receipt what the receipt's own callback could not; only the source differs.
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Principal } from '../auth/auth.decorators';
import { DomainError, NotFoundError } from '../common/domain-error';
import { DEFAULT_PAGE_SIZE, decodeCursor, encodeCursor, Page } from '../common/pagination';
import { parseTimeRange } from '../common/time-range';
import { AfterCommitBus } from '../events/after-commit.bus';
import { ReferralsService } from '../referrals/referrals.service';
import type { AppConfig } from '../config/app-config';
import { InjectAppConfig } from '../config/config.module';
import { CallbackDecision, failedByEvent, judgeCallback, judgeVerification, ReferralFacts } from '../payments/evidence';
import { Payment } from '../payments/payment.entity';
import { PaymentSettlementService } from '../payments/state/payment-settlement.service';
import { CallbackStore } from '../payments/state/callback-store';
import { addReceipts } from '../payments/state/payment-evidence-writes';
import type { ListReceiptsQuery } from './dtos/list-receipts.query';
import type { ResolveReceiptDto } from './dtos/resolve-receipt.dto';
import { ReceiptEvent } from './receipt-event.entity';
import { isResolvable, recordReceiptEvent } from './receipt-rules';
import { Receipt } from './receipt.entity';
import { ReceiptEventView, ReceiptView, toReceiptEventView, toReceiptView } from './receipt.view';

/** Why the evidence rules refuse an attach, by the decision judgeCallback made. */
const REFUSED_RULE: Partial<Record<CallbackDecision['kind'], string>> = {
  conflict: 'conflict',
  doubt: 'doubt',
  'amount-mismatch': 'amount-mismatch',
  'refund-due': 'refund-due',
  fail: 'conflict',
};

@Injectable()
export class ReceiptsService {
  private readonly logger = new Logger(ReceiptsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly bus: AfterCommitBus,
    private readonly settlement: PaymentSettlementService,
    private readonly referrals: ReferralsService,
    private readonly callbacks: CallbackStore,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  /** Newest first by createdAt (ties by insertion), like every list. */
  async list(query: ListReceiptsQuery): Promise<Page<ReceiptView>> {
    const range = parseTimeRange(query.from, query.to);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const qb = this.dataSource.manager.createQueryBuilder(Receipt, 'r');
    if (query.state) qb.andWhere('r.state = :state', { state: query.state });
    if (query.phoneNumber) qb.andWhere('r.phone_number = :phone', { phone: query.phoneNumber });
    if (range.from) qb.andWhere('r.created_at >= :from', { from: range.from });
    if (range.to) qb.andWhere('r.created_at < :to', { to: range.to });
    const after = decodeCursor(query.cursor);
    if (after?.createdAtMicros) {
      qb.andWhere('(r.created_at, r.seq) < (CAST(:at AS timestamptz), CAST(:seq AS bigint))', { at: microsToIso(after.createdAtMicros), seq: after.seq });
    } else if (after) {
      qb.andWhere('(r.created_at, r.seq) < (SELECT c.created_at, c.seq FROM receipts c WHERE c.seq = CAST(:seq AS bigint))', { seq: after.seq });
    }
    qb.addSelect('(extract(epoch FROM r.created_at) * 1000000)::bigint::text', 'cursor_micros')
      .orderBy('r.created_at', 'DESC')
      .addOrderBy('r.seq', 'DESC')
      .limit(limit + 1);
    const { entities, raw } = await qb.getRawAndEntities();
    const micros = new Map((raw as Record<string, string>[]).map((row) => [row.r_receipt, row.cursor_micros]));
    const items = entities.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items: items.map(toReceiptView),
      nextCursor: entities.length > limit ? encodeCursor({ createdAtMicros: micros.get(last.receipt)!, seq: last.seq }) : null,
    };
  }

  async get(receipt: string): Promise<ReceiptView & { events: ReceiptEventView[] }> {
    const row = await this.dataSource.manager.findOneBy(Receipt, { receipt });
    if (!row) throw new NotFoundError('Receipt', receipt);
    const events = await this.dataSource.manager.find(ReceiptEvent, { where: { receipt }, order: { id: 'ASC' } });
    return { ...toReceiptView(row), events: events.map(toReceiptEventView) };
  }

  /**
   * An admin attaches a receipt to a payment or dismisses it, with a reason. Only an unmatched,
   * review or refund-due receipt can be resolved; the receipt row is locked (after its open
   * callback, the payment and its referral: the order the callback path takes them, so neither
   * waits for the other in a cycle), so two admins resolving one receipt at once get one answer
   * each: the second finds it resolved (409 RECEIPT_NOT_RESOLVABLE).
   */
  async resolve(receipt: string, dto: ResolveReceiptDto, principal: Principal): Promise<ReceiptView> {
    if (dto.action === 'dismiss' && dto.paymentId !== undefined) {
      throw new DomainError('VALIDATION_FAILED', 'paymentId is only for action attach', { fields: [{ field: 'paymentId', messages: ['paymentId is only for action attach'] }] });
    }
    const known = await this.dataSource.manager.findOneBy(Receipt, { receipt });
    if (!known) throw new NotFoundError('Receipt', receipt);
    const resolved = await this.bus.transaction(async (manager) => {
      // The lock order of the callback path: its open callback first (a sweep judging it again holds
      // that row, then wants the receipt), then the payment, its referral, and the receipt last.
      if (known.checkoutRequestId) {
        await this.callbacks.lockForResolution(manager, known.checkoutRequestId);
      }
      if (dto.action === 'dismiss') {
        const locked = await this.lockResolvable(manager, receipt);
        return this.finish(manager, locked, { state: 'dismissed', paymentId: locked.paymentId, referralId: locked.referralId }, 'dismissed', dto.reason, adminActor(principal), {});
      }
      return this.attach(manager, receipt, dto.paymentId as string, dto.reason, adminActor(principal));
    });
    this.logger.log({ receipt, action: dto.action, paymentId: resolved.paymentId, role: principal.role }, `Receipt ${dto.action === 'attach' ? 'attached' : 'dismissed'} by an admin`);
    return resolved;
  }

  private async lockResolvable(manager: EntityManager, receipt: string): Promise<Receipt> {
    const locked = await manager.findOne(Receipt, { where: { receipt }, lock: { mode: 'pessimistic_write' } });
    if (!locked) throw new NotFoundError('Receipt', receipt);
    if (!isResolvable(locked.state)) {
      throw new DomainError('RECEIPT_NOT_RESOLVABLE', `Receipt ${receipt} is ${locked.state}; only an unmatched, review or refund-due receipt can be resolved`, {
        receipt,
        state: locked.state,
      });
    }
    return locked;
  }

  /**
   * The ledger sweep's exact link (a Pull row's billreference is a payment's accountReference): the
   * receipt, recorded `unmatched` by the caller, pays that payment by the same evidence rules as an
   * admin's attach, with source `reconciliation` on the payment and `ledger` on the receipt. Throws
   * the same DomainErrors when the rules refuse.
   */
  attachFromLedger(receipt: string, paymentId: string, note: string): Promise<ReceiptView> {
    return this.bus.transaction(async (manager) => {
      const [known]: { checkout_request_id: string | null }[] = await manager.query('SELECT checkout_request_id FROM receipts WHERE receipt = $1', [receipt]);
      if (known?.checkout_request_id) {
        await manager.query(`SELECT id FROM mpesa_callbacks WHERE checkout_request_id = $1 AND state = 'unmatched' ORDER BY id FOR UPDATE`, [known.checkout_request_id]);
      }
      return this.attach(manager, receipt, paymentId, note, LEDGER_ACTOR);
    });
  }

  private async attach(manager: EntityManager, receipt: string, paymentId: string, reason: string, actor: Actor): Promise<ReceiptView> {
    const payment = await this.settlement.lock(manager, paymentId);
    if (!payment) throw new NotFoundError('Payment', paymentId);
    const referral = await this.referrals.lockForUpdate(manager, payment.referralId);
    const locked = await this.lockResolvable(manager, receipt);
    const [holder]: { id: string }[] = await manager.query('SELECT id FROM payments WHERE mpesa_transaction_id = $1 AND id <> $2', [receipt, payment.id]);
    if (holder) throw new DomainError('RECEIPT_ALREADY_USED', `Receipt ${receipt} already pays payment ${holder.id}`, { paymentId: holder.id });

    const failedBy = payment.status === 'failed' ? await this.failedBy(manager, payment) : null;
    const facts = failedBy === 'expiry' || failedBy === 'status-query' ? await this.referralFacts(manager, payment, referral.status) : null;
    const decision = judgeCallback({
      status: payment.status,
      heldReceipt: payment.mpesaTransactionId,
      expectedAmount: payment.amount,
      expectedPhone: payment.phoneNumber,
      outcome: 'completed',
      amount: locked.amount,
      receipt,
      phoneNumber: locked.phoneNumber,
      receiptOwner: null,
      failedBy,
      referral: facts,
    });
    const evidence = { receipt, reason, via: actor.via };
    const outcome = { status: 'completed' as const, resultCode: '0', resultDesc: `M-Pesa receipt ${receipt} attached ${actor.paymentSource === 'admin' ? 'by an admin' : actor.by}`, receipt };
    switch (decision.kind) {
      case 'complete':
        await this.settlement.settleLocked(manager, payment, outcome, { source: actor.paymentSource, eventType: 'receipt-attached', actorRole: actor.role, detail: evidence });
        break;
      case 'correct':
        this.requireVerified(locked, payment.id, actor);
        await this.settlement.apply(manager, payment, outcome, {
          source: actor.paymentSource,
          eventType: 'status-corrected',
          actorRole: actor.role,
          detail: {
            ...evidence,
            note: decision.note,
            overrides: { status: payment.status, by: failedBy, resultCode: payment.resultCode, resultDesc: payment.resultDesc, errorMessage: payment.errorMessage },
          },
        });
        break;
      case 'add-receipt':
        await addReceipts(manager, [{ paymentId: payment.id, referralId: payment.referralId, receipt, event: { source: actor.paymentSource, actorRole: actor.role, detail: evidence } }]);
        break;
      case 'duplicate':
        break; // the payment holds it already: only the receipt row catches up
      default:
        throw new DomainError('RECEIPT_NOT_ATTACHABLE', `Receipt ${receipt} cannot pay payment ${payment.id}: ${refusal(decision)}`, {
          rule: REFUSED_RULE[decision.kind] ?? decision.kind,
          paymentId: payment.id,
        });
    }
    return this.finish(manager, locked, { state: 'applied', paymentId: payment.id, referralId: payment.referralId }, 'attached', reason, actor, { decision: decision.kind });
  }

  /**
   * The rule a success callback meets before it corrects a failed payment holds for an admin too
   * (attach applies the same rules): a receipt only a callback told us of is confirmed by M-Pesa's
   * Transaction Status first, whenever an initiator is configured. Ledger and statement receipts are
   * M-Pesa's own word.
   */
  private requireVerified(locked: Receipt, paymentId: string, actor: Actor): void {
    if (this.config.mpesa.initiator === null || locked.source !== 'callback' || actor.receiptSource !== 'admin') return;
    const verdict = judgeVerification(locked.receipt, locked.amount, locked.verification, 'status-correction');
    if (verdict.kind === 'proceed') return;
    const next = verdict.kind === 'review' ? 'it cannot correct the payment' : `verify it (POST /api/receipts/${locked.receipt}/verify) and attach it once M-Pesa confirms it`;
    throw new DomainError('RECEIPT_NOT_ATTACHABLE', `Receipt ${locked.receipt} cannot correct failed payment ${paymentId} yet: ${verdict.reason}; ${next}`, { rule: 'verification', paymentId });
  }

  /** Writes the resolution on the locked receipt and its history row. */
  private async finish(
    manager: EntityManager,
    locked: Receipt,
    to: { state: 'applied' | 'dismissed'; paymentId: string | null; referralId: string | null },
    type: string,
    reason: string,
    actor: Actor,
    detail: Record<string, unknown>,
  ): Promise<ReceiptView> {
    await manager.query(
      `UPDATE receipts SET state = $2, payment_id = $3, referral_id = $4, reason = $5, resolved_by = $6, resolved_at = now(), updated_at = now() WHERE receipt = $1`,
      [locked.receipt, to.state, to.paymentId, to.referralId, reason, actor.role],
    );
    // The person's decision is final: the receipt's callback, if still open, is no longer judged again
    // (a sweep could otherwise give a dismissed receipt to a payment, or try an attached one twice).
    if (locked.checkoutRequestId) {
      await this.callbacks.closeByResolution(
        manager,
        locked.checkoutRequestId,
        to.state === 'applied' ? 'attachByAdmin' : 'dismissByAdmin',
        to.paymentId,
        `receipt ${locked.receipt} ${type} ${actor.by}: ${reason}`,
      );
    }
    await recordReceiptEvent(manager, {
      receipt: locked.receipt,
      type,
      fromState: locked.state,
      toState: to.state,
      source: actor.receiptSource,
      detail: { ...detail, ...(to.paymentId ? { paymentId: to.paymentId } : {}), role: actor.role, reason },
    });
    return toReceiptView(await manager.findOneByOrFail(Receipt, { receipt: locked.receipt }));
  }

  private async failedBy(manager: EntityManager, payment: Payment) {
    const [event]: { type: string; source: string }[] = await manager.query(
      `SELECT type, source FROM payment_events WHERE payment_id = $1 AND to_status = 'failed' ORDER BY id DESC LIMIT 1`,
      [payment.id],
    );
    return failedByEvent(event ?? null);
  }

  /** The referral (locked by the caller) and its other payments: one that paid it, one still pending. */
  private async referralFacts(manager: EntityManager, payment: Payment, status: ReferralFacts['status']): Promise<ReferralFacts> {
    const others: { id: string; status: Payment['status'] }[] = await manager.query(
      'SELECT id, status FROM payments WHERE referral_id = $1 AND id <> $2 ORDER BY created_at, id',
      [payment.referralId, payment.id],
    );
    return {
      status,
      completedPayment: others.find((o) => o.status === 'completed')?.id ?? null,
      pendingPayment: others.find((o) => o.status === 'pending')?.id ?? null,
    };
  }
}

/** Who attaches or dismisses: an admin's key, or the ledger sweep. */
interface Actor {
  role: string;
  paymentSource: 'admin' | 'reconciliation';
  receiptSource: 'admin' | 'ledger';
  via: string;
  /** for texts: "by an admin (admin)" */
  by: string;
}

const adminActor = (principal: Principal): Actor => ({ role: principal.role, paymentSource: 'admin', receiptSource: 'admin', via: 'receipt-resolve', by: `by an admin (${principal.role})` });
const LEDGER_ACTOR: Actor = { role: 'ledger', paymentSource: 'reconciliation', receiptSource: 'ledger', via: 'ledger-pull', by: 'by the ledger sweep' };

/** The evidence table's own words for a refusal. */
function refusal(decision: CallbackDecision): string {
  switch (decision.kind) {
    case 'conflict':
    case 'refund-due':
    case 'duplicate':
    case 'correct':
      return decision.note;
    case 'doubt':
      return decision.doubt;
    case 'amount-mismatch':
      return decision.errorMessage;
    default:
      return decision.kind;
  }
}

/** Microseconds since the epoch as an ISO 8601 instant Postgres reads to the microsecond (as pagination.ts does). */
function microsToIso(micros: string): string {
  const value = BigInt(micros);
  const millis = new Date(Number(value / 1000n)).toISOString();
  return `${millis.slice(0, -1)}${String(value % 1000n).padStart(3, '0')}Z`;
}
