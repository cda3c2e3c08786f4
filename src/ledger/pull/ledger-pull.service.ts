// The ledger sweep (MPESA_LEDGER_PULL): M-Pesa's own C2B ledger (Pull Transactions) for an
// overlapping window, every row recorded as a Receipt (source `ledger`) unless known, and matched:
// by receipt to the payment holding it (nothing changes); else by billreference = a payment's
// accountReference (an exact link: the receipt pays it by the evidence rules, through the receipts'
// attach path); else `unmatched`. A row seen again changes nothing. Each sweep writes a Report
// (source `ledger-pull`) in hP's reconciliation_reports, and a run row (ledger_pull_runs).
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { DataSource, TypeORMError } from 'typeorm';
import { DomainError } from '../../common/domain-error';
import type { AppConfig } from '../../config/app-config';
import { InjectAppConfig } from '../../config/config.module';
import { DarajaLedgerClient, PULL_MAX_AGE_MS } from '../../mpesa/daraja-ledger.client';
import { maskPhoneNumber, normalizePhoneNumber } from '../../mpesa/phone-number';
import type { PullRow } from '../../mpesa/pull-answer.parser';
import { recordReceiptEvent } from '../../receipts/receipt-rules';
import { ReceiptsService } from '../../receipts/receipts.service';
import { countLines, LineKind, OursSide, ReportLine } from '../../reconciliation/report';

export const LEDGER_PULL_ALERTS = 'ledger_pull_alerts_total';
/** A streak of 1001 answers this long, while payments complete, is worth a person's look. */
const EMPTY_STREAK_MS = 24 * 3600_000;
/** A window never reaches quite 48 h back: Daraja refuses older windows. */
const WINDOW_MARGIN_MS = 5 * 60_000;

export type PullSweepOutcome =
  | { kind: 'off' | 'stopped' }
  | { kind: 'not-subscribed' | 'error' | 'register-failed'; message: string }
  | { kind: 'swept'; rows: number; reportId: string; counts: Record<LineKind, number>; complete: boolean };

interface PaymentFacts {
  id: string;
  referral_id: string;
  amount: number;
  status: string;
  mpesa_transaction_id: string | null;
  account_reference: string;
  completed_at: Date | null;
}

@Injectable()
export class LedgerPullService {
  private readonly logger = new Logger(LedgerPullService.name);
  private registered = false;
  /** Set by 401.001: this app is not subscribed to Pull; sweeping stops until the process restarts. */
  private stopped = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly ledger: DarajaLedgerClient,
    private readonly receipts: ReceiptsService,
    @InjectAppConfig() private readonly config: AppConfig,
    @InjectMetric(LEDGER_PULL_ALERTS) private readonly alerts: Counter<string>,
  ) {}

  async sweep(now = new Date()): Promise<PullSweepOutcome> {
    const mpesa = this.config.mpesa;
    if (!mpesa.ledgerPull) return { kind: 'off' };
    if (this.stopped) return { kind: 'stopped' };
    const to = now;
    // Back to where the last sweep that read the ledger ended (less an interval of overlap), at least
    // two intervals: a sweep that was missed (a Redis restart lost its job, Postgres was away, the
    // worker was down) leaves no gap in what was read. Never past what Daraja still answers for.
    const intervalMs = mpesa.ledgerPullIntervalS * 1000;
    const [{ last }] = (await this.dataSource.query(`SELECT max(window_to) AS last FROM ledger_pull_runs WHERE outcome IN ('rows', 'no-data')`)) as { last: Date | null }[];
    const since = Math.min(to.getTime() - 2 * intervalMs, last ? new Date(last).getTime() - intervalMs : Number.POSITIVE_INFINITY);
    const from = new Date(Math.max(since, to.getTime() - PULL_MAX_AGE_MS + WINDOW_MARGIN_MS));

    if (!this.registered) {
      if (!mpesa.pullNominatedNumber) {
        this.logger.warn('MPESA_PULL_NOMINATED_NUMBER is not set: the shortcode is assumed registered for Pull already');
        this.registered = true;
      } else {
        const reg = await this.ledger.pullRegister(mpesa.pullNominatedNumber, `${mpesa.callbackBaseUrl}/api/mpesa/pull`);
        if (reg.kind === 'not-subscribed') return this.stop(from, to, reg.message);
        if (reg.kind === 'error') {
          await this.recordRun(from, to, 'error', { note: `register: ${reg.errorCode ?? '-'} ${reg.errorMessage}` });
          return { kind: 'register-failed', message: reg.errorMessage };
        }
        this.registered = true;
      }
    }

    const result = await this.ledger.pullTransactions({ from, to });
    if (result.kind === 'not-subscribed') return this.stop(from, to, result.message);
    if (result.kind === 'error') {
      await this.recordRun(from, to, 'error', { note: `${result.errorCode ?? '-'} ${result.errorMessage}` });
      this.logger.warn(`Ledger sweep: Pull failed (${result.errorClass}): ${result.errorCode ?? '-'} ${result.errorMessage}; the next sweep tries again`);
      return { kind: 'error', message: result.errorMessage };
    }
    const rows = result.kind === 'rows' ? result.rows : [];
    const lines: ReportLine[] = [];
    for (const row of rows) lines.push(await this.matchRow(row));
    const counts = countLines(lines);
    const [report]: { id: string }[] = await this.dataSource.query(
      `INSERT INTO reconciliation_reports (source, period_from, period_to, file_name, counts, lines) VALUES ('ledger-pull', $1, $2, NULL, $3::jsonb, $4::jsonb) RETURNING id`,
      [from.toISOString(), to.toISOString(), JSON.stringify(counts), JSON.stringify(lines)],
    );
    const complete = result.kind === 'rows' ? result.complete : true;
    await this.recordRun(from, to, result.kind === 'rows' ? 'rows' : 'no-data', {
      rows: rows.length,
      pages: result.kind === 'rows' ? result.pages : 1,
      complete,
      reportId: report.id,
    });
    if (result.kind === 'no-data') await this.checkEmptyStreak(now);
    const message = `Ledger sweep ${from.toISOString()}..${to.toISOString()}: ${rows.length} rows, ${JSON.stringify(counts)}, report ${report.id}`;
    if (counts.missingInOurs + counts.amountDiffers > 0) this.logger.warn(message);
    else this.logger.log(message);
    return { kind: 'swept', rows: rows.length, reportId: report.id, counts, complete };
  }

  /** One ledger row: recorded unless known, then matched. Each row in its own transactions: one bad row never holds up the others. */
  private async matchRow(row: PullRow): Promise<ReportLine> {
    const receipt = row.transactionId.trim();
    const mpesa = {
      row: 0,
      amount: row.amount !== null && Number.isInteger(row.amount) ? row.amount : null,
      paidIn: row.amount === null ? null : String(row.amount),
      withdrawn: null,
      completionTime: row.paidAt,
      transactionStatus: 'Completed',
      details: row.transactionType,
      reasonType: null,
      otherParty: row.msisdn ? maskPhoneNumber(String(row.msisdn)) : null,
      accountNumber: row.billReference,
    };
    const line = (kind: LineKind, note: string, payment: PaymentFacts | null = null): ReportLine => ({ kind, receipt, paymentId: payment?.id ?? null, ours: payment ? ours(payment) : null, mpesa, note });

    const [known]: { state: string; payment_id: string | null; amount: number }[] = await this.dataSource.query('SELECT state, payment_id, amount FROM receipts WHERE receipt = $1', [receipt]);
    const [holder]: PaymentFacts[] = await this.dataSource.query('SELECT * FROM payments WHERE mpesa_transaction_id = $1', [receipt]);
    if (known) {
      // Money a callback told of that no payment could be determined for (twins sharing one callback,
      // a match still waiting for Transaction Status): M-Pesa's own row names the payment exactly.
      const byRef = known.state === 'unmatched' && !holder && known.payment_id === null && known.amount === mpesa.amount ? await this.paymentByReference(row) : null;
      if (byRef) return this.settleByReference(receipt, byRef, phone(row), line);
      const kind: LineKind = holder ? (holder.amount === mpesa.amount ? 'matched' : 'amountDiffers') : known.state === 'applied' ? 'matched' : 'missingInOurs';
      return line(kind, `seen before (receipt ${known.state}): nothing changes`, holder ?? null);
    }
    if (mpesa.amount === null) {
      this.logger.warn({ receipt, amount: row.amount }, 'Ledger sweep: a row without a whole-shilling amount is not recorded; check it by hand');
      return line('ignored', `amount ${row.amount ?? 'unreadable'} is not whole shillings: not recorded, check by hand`);
    }
    const payer = phone(row);
    if (holder) {
      const same = holder.amount === mpesa.amount;
      await this.record(receipt, mpesa.amount, payer, row.paidAt, same ? 'applied' : 'review', holder, same ? null : `Amount mismatch: M-Pesa's ledger has KES ${mpesa.amount}, the payment is for KES ${holder.amount}`);
      return line(same ? 'matched' : 'amountDiffers', same ? 'on the payment that holds it' : 'the payment holding it has another amount (receipt review)', holder);
    }
    const byRef = await this.paymentByReference(row);
    if (byRef) {
      if (!(await this.record(receipt, mpesa.amount, payer, row.paidAt, 'unmatched', null, 'ledger row: settling by its account reference'))) {
        return line('matched', 'recorded meanwhile by another path: nothing changes', byRef);
      }
      return this.settleByReference(receipt, byRef, payer, line);
    }
    await this.record(receipt, mpesa.amount, payer, row.paidAt, 'unmatched', null, 'in M-Pesa\'s ledger; no payment of ours holds it or has its account reference');
    this.logger.warn({ receipt, amount: mpesa.amount, phone: payer ? maskPhoneNumber(payer) : mpesa.otherParty, billReference: row.billReference }, 'Ledger sweep: money no payment holds (receipt unmatched)');
    return line('missingInOurs', 'no payment holds it or has its account reference (receipt unmatched)');
  }

  private async paymentByReference(row: PullRow): Promise<PaymentFacts | null> {
    if (!row.billReference) return null;
    const [byRef]: PaymentFacts[] = await this.dataSource.query('SELECT * FROM payments WHERE account_reference = $1', [row.billReference.trim().toUpperCase()]);
    return byRef ?? null;
  }

  /** An unmatched receipt whose ledger row names a payment by its account reference: it pays that payment by the evidence rules, or goes to review naming it. */
  private async settleByReference(receipt: string, byRef: PaymentFacts, phone: string | null, line: (kind: LineKind, note: string, payment?: PaymentFacts | null) => ReportLine): Promise<ReportLine> {
    try {
      await this.receipts.attachFromLedger(receipt, byRef.id, `ledger row with account reference ${byRef.account_reference}`);
      const [after]: PaymentFacts[] = await this.dataSource.query('SELECT * FROM payments WHERE id = $1', [byRef.id]);
      this.logger.log({ receipt, paymentId: byRef.id }, 'Ledger sweep: a receipt settled its payment by account reference');
      return line('matched', 'by its account reference: the receipt now pays this payment', after ?? byRef);
    } catch (error) {
      // Postgres away or a query failing: the sweep fails and the next one reads the window again.
      if (!(error instanceof DomainError) && isDatabaseError(error)) throw error;
      // Anything else is a refusal to settle, the rules' (a DomainError) or one from deeper in the
      // settlement (the status table refusing the correction the rules decided, say): the money
      // goes in front of an admin naming the payment, and the rows after it are still settled and
      // the run recorded. Thrown on, one such row would fail every sweep whose window holds it.
      const domain = error instanceof DomainError;
      const rule = domain ? ((error.details.rule as string | undefined) ?? error.code) : 'settlement-refused';
      const message = domain ? error.message : `settling it failed (${(error as Error).message}); attach the receipt by hand`;
      if (!domain) this.logger.error({ receipt, paymentId: byRef.id, error: (error as Error).message }, 'Ledger sweep: settling the payment its account reference names failed; the receipt is kept for review');
      await this.dataSource.transaction(async (manager) => {
        await manager.query(`UPDATE receipts SET state = 'review', payment_id = $2, referral_id = $3, reason = left($4, 500), updated_at = now() WHERE receipt = $1 AND state = 'unmatched'`, [receipt, byRef.id, byRef.referral_id, message]);
        await recordReceiptEvent(manager, { receipt, type: 'state-changed', fromState: 'unmatched', toState: 'review', source: 'ledger', detail: { paymentId: byRef.id, rule, note: message } });
      });
      if (domain) this.logger.warn({ receipt, paymentId: byRef.id, rule, phone: phone ? maskPhoneNumber(phone) : null }, 'Ledger sweep: the evidence rules refuse the receipt its payment; kept for review');
      return line(rule === 'amount-mismatch' ? 'amountDiffers' : 'missingInOurs', `its account reference names this payment, but: ${message} (receipt review)`, byRef);
    }
  }

  /** Inserts the receipt unless any path recorded it meanwhile; false when it was there. */
  private async record(receipt: string, amount: number, phone: string | null, paidAt: string | null, state: 'applied' | 'review' | 'unmatched', payment: PaymentFacts | null, reason: string | null): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const inserted: { receipt: string }[] = await manager.query(
        `INSERT INTO receipts (receipt, amount, phone_number, paid_at, source, payment_id, referral_id, state, reason)
         VALUES ($1, $2, $3, $4, 'ledger', $5, $6, $7, $8) ON CONFLICT (receipt) DO NOTHING RETURNING receipt`,
        [receipt, amount, phone, paidAt, payment?.id ?? null, payment?.referral_id ?? null, state, reason],
      );
      if (inserted.length === 0) return false;
      await recordReceiptEvent(manager, { receipt, type: 'recorded', fromState: null, toState: state, source: 'ledger', detail: { via: 'ledger-pull', ...(payment ? { paymentId: payment.id } : {}), ...(reason ? { note: reason } : {}) } });
      return true;
    });
  }

  private async stop(from: Date, to: Date, message: string): Promise<PullSweepOutcome> {
    this.stopped = true;
    this.alerts.inc({ reason: 'not-subscribed' });
    await this.recordRun(from, to, 'not-subscribed', { note: message });
    this.logger.error(
      `Ledger sweep STOPPED: Daraja answers 401.001 to Pull with a fresh token: this app is not subscribed to Pull Transactions. ` +
        `Add the Pull API to the app on the Daraja portal (or set MPESA_LEDGER_PULL=false) and restart the worker.`,
    );
    return { kind: 'not-subscribed', message };
  }

  /**
   * `1001` is "nothing found" and also "this shortcode is not set up for Pull": a day of nothing
   * while payments complete here is the second (one integration counted thousands of failed pulls as
   * "0 imported"). A warning and a metric, once per sweep while it lasts.
   */
  private async checkEmptyStreak(now: Date): Promise<void> {
    const [streak]: { started: Date | null }[] = await this.dataSource.query(
      `SELECT min(at) AS started FROM ledger_pull_runs WHERE outcome = 'no-data'
          AND at > coalesce((SELECT max(at) FROM ledger_pull_runs WHERE outcome = 'rows'), '-infinity')`,
    );
    if (!streak?.started || now.getTime() - new Date(streak.started).getTime() < EMPTY_STREAK_MS) return;
    const [{ completed }]: { completed: number }[] = await this.dataSource.query(`SELECT count(*)::int AS completed FROM payments WHERE status = 'completed' AND completed_at >= $1`, [streak.started]);
    if (completed === 0) return;
    this.alerts.inc({ reason: 'empty-while-paid' });
    this.logger.warn(
      `Ledger sweep: Pull has answered 1001 ("nothing found") since ${new Date(streak.started).toISOString()} while ${completed} payments completed: ` +
        'the shortcode is probably not set up for Pull (ask Safaricom to enable it); the ledger is not being checked',
    );
  }

  private async recordRun(
    from: Date,
    to: Date,
    outcome: 'rows' | 'no-data' | 'not-subscribed' | 'error',
    extra: { rows?: number; pages?: number; complete?: boolean; reportId?: string; note?: string },
  ): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO ledger_pull_runs (window_from, window_to, outcome, rows, pages, complete, report_id, note) VALUES ($1, $2, $3, $4, $5, $6, $7, left($8, 500))`,
      [from, to, outcome, extra.rows ?? 0, extra.pages ?? 0, extra.complete ?? null, extra.reportId ?? null, extra.note ?? null],
    );
  }
}

/**
 * A failed query or a lost connection (TypeORM's errors: QueryFailedError, a query runner released
 * by a restart; a driver or socket error with a code), not a refusal.
 */
function isDatabaseError(error: unknown): boolean {
  return error instanceof TypeORMError || typeof (error as { code?: unknown } | null)?.code === 'string';
}

function ours(p: PaymentFacts): OursSide {
  return {
    paymentId: p.id,
    amount: p.amount,
    status: p.status,
    receipt: p.mpesa_transaction_id,
    accountReference: p.account_reference,
    completedAt: p.completed_at ? new Date(p.completed_at).toISOString() : null,
  };
}

/** The paying MSISDN of a ledger row, normalised (2547…), or null. */
function phone(row: PullRow): string | null {
  return row.msisdn ? normalizePhoneNumber(String(row.msisdn)) : null;
}
