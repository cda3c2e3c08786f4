// What the service asks M-Pesa's ledger about one receipt (Transaction Status to verify it or to
// settle a refund, a Reversal to refund it) and how each Result is applied. The ledger_requests row
// is written before anything is sent and is the authority on what is owed: the send job claims it
// (queued → sending), the sweep republishes what is due, re-asks a Transaction Status whose Result
// never came, and never sends a Reversal again: a Reversal whose outcome is unknown (lost Result,
// worker killed mid-send, queue timeout) is settled by a Transaction Status on the original receipt.
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Principal } from '../../auth/auth.decorators';
import { DomainError, NotFoundError } from '../../common/domain-error';
import type { AppConfig } from '../../config/app-config';
import { InjectAppConfig } from '../../config/config.module';
import { AfterCommitBus, emitAfterCommit } from '../../events/after-commit.bus';
import { DarajaLedgerClient, InitiatorAck } from '../../mpesa/daraja-ledger.client';
import { DarajaResultParseError, parseDarajaResult, ParsedDarajaResult, readReversalResult, readTransactionStatusResult } from '../../mpesa/daraja-result.parser';
import { normalizePhoneNumber } from '../../mpesa/phone-number';
import { recordReceiptEvent } from '../../receipts/receipt-rules';
import type { ReceiptRefund, ReceiptState, ReceiptVerification } from '../../receipts/receipt-state';
import { Receipt } from '../../receipts/receipt.entity';
import { ReceiptView, toReceiptView } from '../../receipts/receipt.view';
import { JobProducer } from '../../queues/job-producer.service';
import { JOBS, sendLedgerRequestOptions } from '../../queues/queue-catalogue';
import { insertLedgerRequest, LedgerRequestKind, LedgerRequestPurpose } from './ledger-request-rows';

export type { LedgerRequestKind, LedgerRequestPurpose };

interface RequestRow {
  id: string;
  kind: LedgerRequestKind;
  purpose: LedgerRequestPurpose;
  receipt: string;
  amount: number | null;
  originator_conversation_id: string | null;
  conversation_id: string | null;
  state: 'queued' | 'sending' | 'sent' | 'unknown' | 'answered' | 'failed';
  attempts: number;
  requested_by: string | null;
}

interface ResultRow {
  id: string;
  kind: LedgerRequestKind;
  conversation_id: string | null;
  originator_conversation_id: string | null;
  raw_body: string;
  queue_timeout: boolean;
  received_at: Date;
}

/** The receipts a refund may be asked for (CONTRACT: 409 unless refund-due or review). */
export const REFUNDABLE_STATES: readonly ReceiptState[] = ['refund-due', 'review'];
/** A send's lease beyond Daraja's timeout: a row still `sending` after it belonged to a worker that died. */
const SEND_LEASE_MARGIN_S = 30;
/** A Result with ids no request of ours has is set aside after this (its acknowledgement may still be on its way). */
const ORPHAN_RESULT_S = 600;
/** The longest wait between two asks. */
const MAX_WAIT_S = 3600;
const BATCH = 100;

export type SendOutcome = { kind: 'skipped' } | { kind: 'sent'; conversationId: string } | { kind: 'failed' | 'retry' | 'unknown'; reason: string };

@Injectable()
export class LedgerRequestsService implements OnModuleInit {
  private readonly logger = new Logger(LedgerRequestsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly bus: AfterCommitBus,
    private readonly producer: JobProducer,
    private readonly ledger: DarajaLedgerClient,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  /** Asks another module wrote in its own transaction (the callback path's verifications) are published once committed. */
  onModuleInit(): void {
    this.bus.on('ledger-request-queued', async (queued) => {
      for (const { requestId } of queued) await this.publish(requestId, 0);
    });
  }

  /** POST /api/receipts/:receipt/verify: records the ask; a job sends it. */
  async requestVerification(receipt: string, principal: Principal): Promise<ReceiptView> {
    await this.findOrThrow(receipt);
    this.requireInitiator();
    const { view, requestId } = await this.bus.transaction(async (manager) => {
      const locked = await this.lock(manager, receipt);
      const verification: ReceiptVerification = { status: 'pending', amount: null, payer: null, resultCode: null, at: new Date().toISOString() };
      await manager.query('UPDATE receipts SET verification = $2, updated_at = now() WHERE receipt = $1', [receipt, JSON.stringify(verification)]);
      const id = await insertLedgerRequest(manager, { kind: 'transaction-status', purpose: 'verify', receipt, requestedBy: principal.role });
      await recordReceiptEvent(manager, { receipt, type: 'verification-requested', fromState: locked.state, toState: locked.state, source: 'admin', detail: { role: principal.role, requestId: id } });
      return { view: toReceiptView(await manager.findOneByOrFail(Receipt, { receipt })), requestId: id };
    });
    await this.publish(requestId, 0);
    return view;
  }

  /** POST /api/receipts/:receipt/refund: one Reversal of the full amount, ever. */
  async requestRefund(receipt: string, reason: string, principal: Principal): Promise<ReceiptView> {
    await this.findOrThrow(receipt);
    this.requireInitiator();
    const { view, requestId } = await this.bus.transaction(async (manager) => {
      const locked = await this.lock(manager, receipt);
      const [existing]: { id: string }[] = await manager.query(`SELECT id FROM ledger_requests WHERE receipt = $1 AND kind = 'reversal'`, [receipt]);
      if (existing || locked.refund) {
        throw new DomainError('REFUND_NOT_ALLOWED', `Receipt ${receipt} has been refunded or a refund of it was asked for already: a receipt is reversed once, ever`, { receipt, state: locked.state });
      }
      if (!REFUNDABLE_STATES.includes(locked.state)) {
        throw new DomainError('REFUND_NOT_ALLOWED', `Receipt ${receipt} is ${locked.state}; only a refund-due or review receipt can be refunded`, { receipt, state: locked.state });
      }
      const refund: ReceiptRefund = { status: 'pending', reversalReceipt: null, resultCode: null, reason, requestedBy: principal.role, at: new Date().toISOString() };
      await manager.query('UPDATE receipts SET refund = $2, updated_at = now() WHERE receipt = $1', [receipt, JSON.stringify(refund)]);
      const id = await insertLedgerRequest(manager, { kind: 'reversal', purpose: 'refund', receipt, amount: locked.amount, requestedBy: principal.role, note: reason });
      await recordReceiptEvent(manager, { receipt, type: 'refund-requested', fromState: locked.state, toState: locked.state, source: 'admin', detail: { role: principal.role, reason, amount: locked.amount, requestId: id } });
      return { view: toReceiptView(await manager.findOneByOrFail(Receipt, { receipt })), requestId: id };
    });
    await this.publish(requestId, 0);
    return view;
  }

  /**
   * One send of one request. Only the worker whose claim moves the row from queued to sending sends;
   * the acknowledgement's ids are stored, then any Result that came before it is applied.
   */
  async send(requestId: string): Promise<SendOutcome> {
    const [row] = await updated<RequestRow>(
      this.dataSource.manager,
      `UPDATE ledger_requests SET state = 'sending', attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => $2), updated_at = now()
        WHERE id = $1 AND state = 'queued' RETURNING *`,
      [requestId, Math.ceil(this.config.mpesa.timeoutMs / 1000) + SEND_LEASE_MARGIN_S],
    );
    if (!row) return { kind: 'skipped' };
    const ack = await this.ask(row);
    const outcome = await this.storeAck(row, ack);
    if (outcome.kind === 'sent') await this.applyResultsOf(row.id);
    return outcome;
  }

  /** The scheduled round: owed sends, Results to apply, Results overdue, sends a dead worker left. */
  async sweep(): Promise<Record<string, number>> {
    const counts = { published: 0, applied: 0, reasked: 0, abandonedSends: 0 };
    // A send whose worker died: a Transaction Status is asked again; a Reversal's outcome is unknown.
    const stale: RequestRow[] = await this.dataSource.query(
      `SELECT * FROM ledger_requests WHERE state = 'sending' AND next_attempt_at <= now() ORDER BY next_attempt_at LIMIT ${BATCH}`,
    );
    for (const row of stale) {
      counts.abandonedSends++;
      if (row.kind === 'reversal') await this.reversalUnknown(row, 'the worker sending it stopped before storing the acknowledgement');
      else await this.dataSource.query(`UPDATE ledger_requests SET state = 'queued', next_attempt_at = now(), note = 'sent again: the worker sending it stopped', updated_at = now() WHERE id = $1 AND state = 'sending'`, [row.id]);
    }
    // Results, including those that arrived before their acknowledgement was stored.
    const results: { id: string }[] = await this.dataSource.query(`SELECT id FROM mpesa_results WHERE state = 'received' ORDER BY received_at LIMIT ${BATCH}`);
    for (const r of results) if (await this.applyResult(r.id)) counts.applied++;
    // Results that never came.
    const overdue: RequestRow[] = await this.dataSource.query(
      `SELECT * FROM ledger_requests WHERE state = 'sent' AND next_attempt_at <= now() ORDER BY next_attempt_at LIMIT ${BATCH}`,
    );
    for (const row of overdue) {
      if (row.kind === 'reversal') {
        await this.reversalUnknown(row, `no Result within the wait`);
      } else {
        await this.reask(row, 'no Result within the wait');
      }
      counts.reasked++;
    }
    const due: { id: string; attempts: number }[] = await this.dataSource.query(
      `SELECT id, attempts FROM ledger_requests WHERE state = 'queued' AND next_attempt_at <= now() ORDER BY next_attempt_at LIMIT ${BATCH}`,
    );
    for (const row of due) if (await this.publish(row.id, row.attempts)) counts.published++;
    return counts;
  }

  /** Applies one stored Result to its request, once. Returns true when the row left `received`. */
  async applyResult(resultId: string): Promise<boolean> {
    return this.bus.transaction(async (manager) => {
      const [result]: ResultRow[] = await manager.query(`SELECT * FROM mpesa_results WHERE id = $1 AND state = 'received' FOR UPDATE SKIP LOCKED`, [resultId]);
      if (!result) return false;
      const [request]: RequestRow[] = await manager.query(
        `SELECT * FROM ledger_requests WHERE kind = $1 AND ((conversation_id IS NOT NULL AND conversation_id = $2) OR (originator_conversation_id IS NOT NULL AND originator_conversation_id = $3))
          ORDER BY created_at LIMIT 1 FOR UPDATE`,
        [result.kind, result.conversation_id, result.originator_conversation_id],
      );
      if (!request) {
        const age = (Date.now() - new Date(result.received_at).getTime()) / 1000;
        if (age < ORPHAN_RESULT_S) return false; // its acknowledgement may still be being stored
        await this.closeResult(manager, result.id, 'unmatched', null, 'no request of ours has these conversation ids');
        this.logger.warn({ resultId: result.id, kind: result.kind, conversationId: result.conversation_id }, 'A Daraja Result matches no request of ours; set aside');
        return true;
      }
      if (result.queue_timeout) {
        await this.closeResult(manager, result.id, 'applied', request.id, 'queue timeout: the outcome is unknown; found out another way');
        if (request.kind === 'reversal') await this.reversalUnknown(request, 'Daraja timed the Reversal out in its queue', manager);
        else await this.reask(request, 'Daraja timed the request out in its queue', manager);
        return true;
      }
      let parsed: ParsedDarajaResult;
      try {
        parsed = parseDarajaResult(result.raw_body);
      } catch (error) {
        if (!(error instanceof DarajaResultParseError)) throw error;
        await this.closeResult(manager, result.id, 'unmatched', request.id, `unreadable: ${error.message}`);
        return true;
      }
      const note = await this.applyParsed(manager, request, parsed, result.id);
      await this.closeResult(manager, result.id, 'applied', request.id, note);
      return true;
    });
  }

  private async applyParsed(manager: EntityManager, request: RequestRow, parsed: ParsedDarajaResult, resultId: string): Promise<string> {
    const receipt = await manager.findOne(Receipt, { where: { receipt: request.receipt }, lock: { mode: 'pessimistic_write' } });
    if (!receipt) return 'the receipt is gone';
    const finished = request.state === 'answered' || request.state === 'failed';
    await manager.query(`UPDATE ledger_requests SET state = 'answered', result_code = $2, updated_at = now() WHERE id = $1`, [request.id, parsed.resultCode]);
    if (request.purpose === 'verify') return this.applyVerification(manager, receipt, request, parsed, resultId, finished);
    if (request.purpose === 'refund') return this.applyReversal(manager, receipt, request, parsed, resultId);
    return this.applyRefundCheck(manager, receipt, request, parsed, resultId);
  }

  private async applyVerification(manager: EntityManager, receipt: Receipt, request: RequestRow, parsed: ParsedDarajaResult, resultId: string, finished: boolean): Promise<string> {
    const outcome = readTransactionStatusResult(parsed);
    let status: ReceiptVerification['status'];
    if (outcome.found && outcome.receipt?.toUpperCase() === receipt.receipt.toUpperCase()) status = outcome.amount === receipt.amount ? 'confirmed' : 'differs';
    else if (parsed.resultCode === '2032') status = 'unknown-receipt';
    else {
      // 2001, 8006, 21…: the question was not answered; the receipt stays as it was, the code is shown.
      this.logger.error({ receipt: receipt.receipt, resultCode: parsed.resultCode, resultDesc: parsed.resultDesc }, 'Transaction Status was refused: the receipt stays unverified');
      const pending: ReceiptVerification = { status: 'pending', amount: null, payer: null, resultCode: parsed.resultCode, at: new Date().toISOString() };
      await manager.query('UPDATE receipts SET verification = $2, updated_at = now() WHERE receipt = $1', [receipt.receipt, JSON.stringify(pending)]);
      await manager.query(`UPDATE ledger_requests SET state = 'failed', note = left($2, 500) WHERE id = $1`, [request.id, `${parsed.resultCode} ${parsed.resultDesc}`]);
      return `refused: ${parsed.resultCode} ${parsed.resultDesc}`;
    }
    const verification: ReceiptVerification = {
      status,
      amount: outcome.amount,
      payer: payerOf(outcome.debitParty.identifier),
      resultCode: parsed.resultCode,
      at: new Date().toISOString(),
    };
    await manager.query('UPDATE receipts SET verification = $2, updated_at = now() WHERE receipt = $1', [receipt.receipt, JSON.stringify(verification)]);
    // Asks still open for this receipt are answered by this one.
    await manager.query(`UPDATE ledger_requests SET state = 'answered', note = 'answered by another ask', updated_at = now() WHERE receipt = $1 AND purpose = 'verify' AND id <> $2 AND state IN ('queued', 'sent', 'unknown')`, [receipt.receipt, request.id]);
    await recordReceiptEvent(manager, {
      receipt: receipt.receipt,
      type: 'verified',
      fromState: receipt.state,
      toState: receipt.state,
      source: 'ledger',
      detail: { status, amount: outcome.amount, resultCode: parsed.resultCode, requestId: request.id, resultId, ...(finished ? { repeated: true } : {}) },
    });
    // A callback may be waiting for this answer before it changes a payment.
    emitAfterCommit(manager, 'receipt-verified', { receipt: receipt.receipt });
    return `verification ${status}`;
  }

  private async applyReversal(manager: EntityManager, receipt: Receipt, request: RequestRow, parsed: ParsedDarajaResult, resultId: string): Promise<string> {
    const outcome = readReversalResult(parsed);
    if (outcome.reversed && outcome.originalReceipt && outcome.originalReceipt.toUpperCase() !== receipt.receipt.toUpperCase()) {
      this.logger.error({ receipt: receipt.receipt, originalReceipt: outcome.originalReceipt }, 'A Reversal Result names another receipt: not applied; the refund is settled by a check');
      await this.reversalUnknown(request, `the Result names receipt ${outcome.originalReceipt}`, manager);
      return `names another receipt (${outcome.originalReceipt})`;
    }
    if (outcome.reversed || outcome.alreadyReversed) {
      await this.settleRefund(manager, receipt, 'refunded', { reversalReceipt: outcome.reversalReceipt, resultCode: parsed.resultCode }, { requestId: request.id, resultId, resultDesc: parsed.resultDesc });
      return outcome.alreadyReversed ? 'already reversed (R000001): refunded' : `reversed as ${outcome.reversalReceipt}`;
    }
    await this.settleRefund(manager, receipt, 'refund-failed', { reversalReceipt: null, resultCode: parsed.resultCode }, { requestId: request.id, resultId, resultDesc: parsed.resultDesc });
    return `reversal refused: ${parsed.resultCode} ${parsed.resultDesc}`;
  }

  /** A Transaction Status on the original receipt after a Reversal's outcome was lost. */
  private async applyRefundCheck(manager: EntityManager, receipt: Receipt, request: RequestRow, parsed: ParsedDarajaResult, resultId: string): Promise<string> {
    if (receipt.refund?.status !== 'pending') return `the refund is ${receipt.refund?.status ?? 'not asked for'} already`;
    const outcome = readTransactionStatusResult(parsed);
    if (outcome.found && outcome.transactionStatus && /revers/i.test(outcome.transactionStatus)) {
      await this.settleRefund(manager, receipt, 'refunded', { reversalReceipt: null, resultCode: null }, { requestId: request.id, resultId, settledBy: 'transaction-status', transactionStatus: outcome.transactionStatus });
      return 'the original receipt is reversed: refunded';
    }
    // Not reversed (yet), or not answered: never send the Reversal again; look again later.
    const [{ checks }]: { checks: number }[] = await manager.query(`SELECT count(*)::int AS checks FROM ledger_requests WHERE receipt = $1 AND purpose = 'refund-check'`, [receipt.receipt]);
    await insertLedgerRequest(manager, { kind: 'transaction-status', purpose: 'refund-check', receipt: receipt.receipt, delayS: this.waitS(checks) });
    return `the original receipt is ${outcome.transactionStatus ?? parsed.resultCode}: checked again later`;
  }

  private async settleRefund(
    manager: EntityManager,
    receipt: Receipt,
    to: 'refunded' | 'refund-failed',
    found: { reversalReceipt: string | null; resultCode: string | null },
    detail: Record<string, unknown>,
  ): Promise<void> {
    const before = receipt.refund;
    if (before && before.status !== 'pending') {
      // Settled already (a check, then the late Result): only fill in what the Result adds.
      if (to === 'refunded' && before.status === 'refunded' && !before.reversalReceipt && found.reversalReceipt) {
        await manager.query('UPDATE receipts SET refund = $2, updated_at = now() WHERE receipt = $1', [receipt.receipt, JSON.stringify({ ...before, reversalReceipt: found.reversalReceipt, resultCode: found.resultCode })]);
      }
      return;
    }
    const refund: ReceiptRefund = {
      status: to === 'refunded' ? 'refunded' : 'failed',
      reversalReceipt: found.reversalReceipt,
      resultCode: found.resultCode,
      reason: before?.reason ?? '',
      requestedBy: before?.requestedBy ?? 'admin',
      at: new Date().toISOString(),
    };
    await manager.query('UPDATE receipts SET state = $2, refund = $3, updated_at = now() WHERE receipt = $1', [receipt.receipt, to, JSON.stringify(refund)]);
    // The refund is settled: checks still open are not needed.
    await manager.query(`UPDATE ledger_requests SET state = 'answered', note = 'the refund is settled', updated_at = now() WHERE receipt = $1 AND purpose IN ('refund', 'refund-check') AND state IN ('queued', 'sent', 'unknown')`, [receipt.receipt]);
    await recordReceiptEvent(manager, { receipt: receipt.receipt, type: to, fromState: receipt.state, toState: to, source: 'ledger', detail: { ...detail, ...found } });
    const log = { receipt: receipt.receipt, amount: receipt.amount, resultCode: found.resultCode, reversalReceipt: found.reversalReceipt };
    if (to === 'refunded') this.logger.log(log, 'Receipt refunded');
    else this.logger.warn(log, 'Refund failed: M-Pesa refused the Reversal');
  }

  /** A Reversal whose outcome is unknown: never sent again; a Transaction Status on the original receipt settles it. */
  private async reversalUnknown(row: RequestRow, why: string, manager?: EntityManager): Promise<void> {
    const work = async (m: EntityManager) => {
      const moved = await updated(m, `UPDATE ledger_requests SET state = 'unknown', note = left($2, 500), updated_at = now() WHERE id = $1 AND state NOT IN ('unknown', 'answered', 'failed') RETURNING id`, [row.id, why]);
      if (moved.length === 0) return;
      this.logger.warn({ receipt: row.receipt, requestId: row.id, why }, 'A Reversal\'s outcome is unknown: it is never sent again; checking the original receipt');
      await insertLedgerRequest(m, { kind: 'transaction-status', purpose: 'refund-check', receipt: row.receipt });
    };
    if (manager) await work(manager);
    else await this.bus.transaction(work);
  }

  /** A Transaction Status with no Result in time: asked again (a new request: a late Result of the old one still applies). */
  private async reask(row: RequestRow, why: string, manager?: EntityManager): Promise<void> {
    const work = async (m: EntityManager) => {
      const moved = await updated(m, `UPDATE ledger_requests SET state = 'unknown', note = left($2, 500), updated_at = now() WHERE id = $1 AND state IN ('sent', 'sending', 'queued') RETURNING id`, [row.id, why]);
      if (moved.length === 0) return;
      if (row.purpose === 'refund-check') {
        const [receipt]: { refund: ReceiptRefund | null }[] = await m.query('SELECT refund FROM receipts WHERE receipt = $1', [row.receipt]);
        if (receipt?.refund?.status !== 'pending') return;
      } else {
        const [receipt]: { verification: ReceiptVerification | null }[] = await m.query('SELECT verification FROM receipts WHERE receipt = $1', [row.receipt]);
        if (receipt?.verification?.status !== 'pending') return;
      }
      this.logger.warn({ receipt: row.receipt, requestId: row.id, why }, 'No Transaction Status Result: asking again');
      await insertLedgerRequest(m, { kind: 'transaction-status', purpose: row.purpose, receipt: row.receipt, attempts: row.attempts, requestedBy: row.requested_by });
    };
    if (manager) await work(manager);
    else await this.bus.transaction(work);
  }

  private async ask(row: RequestRow): Promise<InitiatorAck> {
    try {
      if (row.kind === 'reversal') {
        const [r]: { refund: ReceiptRefund | null }[] = await this.dataSource.query('SELECT refund FROM receipts WHERE receipt = $1', [row.receipt]);
        const remarks = `Refund: ${r?.refund?.reason ?? 'double payment'}`.slice(0, 100);
        return await this.ledger.reversal({ receipt: row.receipt, amount: row.amount as number, remarks: remarks.length >= 2 ? remarks : 'Refund' });
      }
      return await this.ledger.transactionStatus({ receipt: row.receipt, remarks: row.purpose === 'verify' ? 'Receipt verification' : 'Refund check', occasion: row.id });
    } catch (error) {
      // Bad input (a receipt number Daraja would refuse): nothing was sent.
      return { kind: 'not-configured', message: (error as Error).message };
    }
  }

  private async storeAck(row: RequestRow, ack: InitiatorAck): Promise<SendOutcome> {
    if (ack.kind === 'accepted') {
      await this.dataSource.query(
        `UPDATE ledger_requests SET state = 'sent', conversation_id = NULLIF($2, ''), originator_conversation_id = NULLIF($3, ''), next_attempt_at = now() + make_interval(secs => $4), updated_at = now()
          WHERE id = $1 AND state = 'sending'`,
        [row.id, ack.conversationId.slice(0, 100), ack.originatorConversationId.slice(0, 100), this.waitS(row.attempts - 1)],
      );
      return { kind: 'sent', conversationId: ack.conversationId };
    }
    const reason = ack.kind === 'not-configured' ? ack.message : `${ack.errorClass}: HTTP ${ack.httpStatus ?? '-'} ${ack.errorCode ?? '-'} ${ack.errorMessage}`;
    if (ack.kind === 'error' && ack.errorClass === 'indeterminate' && row.kind === 'reversal') {
      await this.reversalUnknown(row, `sent, no acknowledgement: ${reason}`);
      return { kind: 'unknown', reason };
    }
    if (ack.kind === 'error' && ack.errorClass !== 'permanent') {
      // Refused before Daraja queued it (or a harmless read): due again after a wait.
      await this.dataSource.query(`UPDATE ledger_requests SET state = 'queued', next_attempt_at = now() + make_interval(secs => $2), note = left($3, 500), updated_at = now() WHERE id = $1 AND state = 'sending'`, [
        row.id,
        Math.min(MAX_WAIT_S, 2 ** Math.min(row.attempts, 12)),
        reason,
      ]);
      return { kind: 'retry', reason };
    }
    // Refused for good: nothing was queued at Daraja.
    await this.bus.transaction(async (manager) => {
      await manager.query(`UPDATE ledger_requests SET state = 'failed', note = left($2, 500), result_code = $3, updated_at = now() WHERE id = $1`, [row.id, reason, ack.kind === 'error' ? ack.errorCode : null]);
      const receipt = await manager.findOne(Receipt, { where: { receipt: row.receipt }, lock: { mode: 'pessimistic_write' } });
      if (!receipt) return;
      if (row.purpose === 'refund') {
        await this.settleRefund(manager, receipt, 'refund-failed', { reversalReceipt: null, resultCode: ack.kind === 'error' ? ack.errorCode : null }, { requestId: row.id, refusedBy: reason });
      } else if (row.purpose === 'verify') {
        await recordReceiptEvent(manager, { receipt: row.receipt, type: 'verification-refused', fromState: receipt.state, toState: receipt.state, source: 'ledger', detail: { requestId: row.id, reason } });
      }
    });
    this.logger.error({ receipt: row.receipt, kind: row.kind, reason }, 'Daraja refused the request');
    return { kind: 'failed', reason };
  }

  private async applyResultsOf(requestId: string): Promise<void> {
    const results: { id: string }[] = await this.dataSource.query(
      `SELECT m.id FROM mpesa_results m JOIN ledger_requests r ON r.id = $1 AND m.kind = r.kind
        AND ((m.conversation_id = r.conversation_id) OR (m.originator_conversation_id = r.originator_conversation_id))
        WHERE m.state = 'received'`,
      [requestId],
    );
    for (const r of results) await this.applyResult(r.id);
  }

  private async closeResult(manager: EntityManager, id: string, state: 'applied' | 'unmatched', requestId: string | null, note: string | null): Promise<void> {
    await manager.query(`UPDATE mpesa_results SET state = $2, request_id = $3, note = left($4, 500), processed_at = now() WHERE id = $1`, [id, state, requestId, note]);
  }

  /** Publishing is best effort: the sweep republishes every queued row that is due. */
  private async publish(requestId: string, attempts: number): Promise<boolean> {
    try {
      await this.producer.publish(JOBS.sendLedgerRequest, { requestId }, sendLedgerRequestOptions(requestId, attempts));
      return true;
    } catch (error) {
      this.logger.warn({ err: error, requestId }, 'Could not publish a ledger request now; the sweep publishes it again');
      return false;
    }
  }

  /** The wait for the n-th Result (n from 0): LEDGER_RESULT_WAIT_S, doubling, at most an hour. */
  private waitS(n: number): number {
    return Math.min(MAX_WAIT_S, this.config.mpesa.ledgerResultWaitS * 2 ** Math.max(0, Math.min(n, 12)));
  }

  private requireInitiator(): void {
    if (!this.ledger.initiatorConfigured) {
      throw new DomainError('NOT_CONFIGURED', 'No M-Pesa initiator is configured (MPESA_INITIATOR_NAME and MPESA_SECURITY_CREDENTIAL): Transaction Status and Reversal cannot be sent');
    }
  }

  private async findOrThrow(receipt: string): Promise<Receipt> {
    const row = await this.dataSource.manager.findOneBy(Receipt, { receipt });
    if (!row) throw new NotFoundError('Receipt', receipt);
    return row;
  }

  private async lock(manager: EntityManager, receipt: string): Promise<Receipt> {
    const row = await manager.findOne(Receipt, { where: { receipt }, lock: { mode: 'pessimistic_write' } });
    if (!row) throw new NotFoundError('Receipt', receipt);
    return row;
  }
}

/** The rows an `UPDATE … RETURNING` gave (TypeORM's postgres driver answers `[rows, count]` for an UPDATE). */
async function updated<T = { id: string }>(manager: EntityManager, sql: string, params: unknown[]): Promise<T[]> {
  const answer: unknown = await manager.query(sql, params);
  if (Array.isArray(answer) && answer.length === 2 && Array.isArray(answer[0]) && typeof answer[1] === 'number') return answer[0] as T[];
  return answer as T[];
}

/** `0712345678` / `254712345678` → 2547…; anything else as M-Pesa wrote it. */
function payerOf(identifier: string | null): string | null {
  if (!identifier) return null;
  return normalizePhoneNumber(identifier) ?? identifier;
}
