// POST /api/reconciliation/statements: reads an org-portal statement, compares it with the books
// over its period, records the receipts it shows that the service did not know, and stores the Report.
import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { InjectAppConfig } from '../config/config.module';
import { ReconciliationReportsService } from './reconciliation-reports.service';
import { countLines, orderedLine, Report } from './report';
import { BooksForStatement, compareStatement, PaymentFacts } from './statement-comparison';
import { notAStatement, readStatement, Statement } from './statement-reader';
import { recordStatementReceipts } from './statement-receipts';

export interface UploadedStatement {
  buffer: Buffer;
  originalname: string;
  size: number;
}

export interface ImportResult {
  report: Report;
  /** The same file gave this very report before: nothing was written. */
  replayed: boolean;
}

interface PaymentRow {
  id: string;
  referral_id: string;
  amount: number;
  status: string;
  mpesa_transaction_id: string | null;
  account_reference: string;
  completed_at: Date | null;
}

const facts = (row: PaymentRow): PaymentFacts => ({
  id: row.id,
  referralId: row.referral_id,
  amount: row.amount,
  status: row.status,
  receipt: row.mpesa_transaction_id,
  accountReference: row.account_reference,
  completedAt: row.completed_at ? row.completed_at.toISOString() : null,
});

const PAYMENT_COLUMNS = 'id, referral_id, amount, status, mpesa_transaction_id, account_reference, completed_at';

/** A file name as shown back: no path, no control characters, at most 255 characters. */
function displayName(name: string): string | null {
  const base = name.split(/[\\/]/).pop() ?? '';
  const clean = base.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 255);
  return clean === '' ? null : clean;
}

/**
 * The import inserts receipts a callback batch may be inserting at the same moment (in another
 * order): Postgres then aborts one of the two (40P01). The import is all or nothing, so it runs again.
 */
async function retryOnDeadlock<T>(work: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const code = (error as { code?: string; driverError?: { code?: string } }).driverError?.code ?? (error as { code?: string }).code;
      if (attempt >= attempts || (code !== '40P01' && code !== '40001')) throw error;
    }
  }
}

@Injectable()
export class StatementImportService {
  private readonly logger = new Logger(StatementImportService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectAppConfig() private readonly config: AppConfig,
    private readonly reports: ReconciliationReportsService,
  ) {}

  async import(file: UploadedStatement): Promise<ImportResult> {
    const sha256 = createHash('sha256').update(file.buffer).digest('hex');
    const statement = await readStatement(file.buffer);
    this.checkShortCode(statement);
    const period = this.periodOf(statement);
    const books = await this.books(statement, period);
    const { lines, receipts } = compareStatement(statement, period, books);
    const counts = countLines(lines);
    const fileName = displayName(file.originalname);

    const outcome = await retryOnDeadlock(() => this.dataSource.transaction(async (manager) => {
      // One import of a given file at a time: the second waits, then finds the first's report.
      await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`statement-import:${sha256}`]);
      const linesJson = JSON.stringify(lines);
      const countsJson = JSON.stringify(counts);
      const [same] = await manager.query(
        `SELECT id FROM reconciliation_reports
          WHERE file_sha256 = $1 AND period_from = $2 AND period_to = $3 AND counts = $4::jsonb AND lines = $5::jsonb
          ORDER BY created_at DESC, seq DESC LIMIT 1`,
        [sha256, period.from, period.to, countsJson, linesJson],
      );
      if (same) return { id: same.id as string, replayed: true as const };
      const [created] = await manager.query(
        `INSERT INTO reconciliation_reports (source, period_from, period_to, file_name, file_sha256, counts, lines)
         VALUES ('statement', $1, $2, $3, $4, $5::jsonb, $6::jsonb) RETURNING id, created_at`,
        [period.from, period.to, fileName, sha256, countsJson, linesJson],
      );
      const recorded = await recordStatementReceipts(manager, created.id, receipts);
      return { id: created.id as string, createdAt: created.created_at as Date, replayed: false as const, recorded: recorded.length };
    }));
    if (outcome.replayed) return { report: await this.reports.get(outcome.id), replayed: true };
    const message = `statement ${sha256.slice(0, 12)} imported as report ${outcome.id}: ${JSON.stringify(counts)}, ${outcome.recorded} new receipts`;
    // Money nobody recorded, or that disagrees with our books, is for a person: a warning, as the callback path logs it.
    if (counts.missingInOurs + counts.amountDiffers + counts.missingInMpesa > 0) this.logger.warn(`${message}; see GET /api/reconciliation/reports/${outcome.id}`);
    else this.logger.log(message);
    // Answered from memory rather than read back: a large report is not held twice.
    const report: Report = {
      id: outcome.id,
      source: 'statement',
      periodFrom: new Date(period.from).toISOString(),
      periodTo: new Date(period.to).toISOString(),
      createdAt: outcome.createdAt.toISOString(),
      fileName,
      counts,
      lines: lines.map(orderedLine),
    };
    return { report, replayed: false };
  }

  /** A statement of another shortcode would make every row "missing": refuse it instead. */
  private checkShortCode(statement: Statement): void {
    const ours = new Set([this.config.mpesa.shortcode, this.config.mpesa.partyB]);
    if (statement.shortCode && !ours.has(statement.shortCode)) {
      throw notAStatement(
        `This statement is for short code ${statement.shortCode}; this service collects on ${[...ours].join(' and ')}. Download the statement of that short code`,
      );
    }
  }

  /** The preamble's Time Period, else the first and last completion time of the rows. */
  private periodOf(statement: Statement): { from: string; to: string } {
    if (statement.periodFrom && statement.periodTo && statement.periodFrom <= statement.periodTo) {
      return { from: statement.periodFrom, to: statement.periodTo };
    }
    const times = statement.rows.map((r) => r.completionTime).filter((t): t is string => t !== null).sort();
    if (times.length === 0) {
      throw notAStatement('The statement has no readable "Time Period: From … To …" line and no row with a Completion Time: its period is unknown');
    }
    return { from: times[0], to: times[times.length - 1] };
  }

  private async books(statement: Statement, period: { from: string; to: string }): Promise<BooksForStatement> {
    const receipts = [...new Set(statement.rows.map((r) => r.receipt).filter((r) => r !== ''))];
    const references = [...new Set(statement.rows.map((r) => r.accountNumber?.toUpperCase()).filter((r): r is string => !!r && r.length <= 12))];
    const [byReceipt, byReference, completed]: PaymentRow[][] = await Promise.all([
      receipts.length ? this.dataSource.query(`SELECT ${PAYMENT_COLUMNS} FROM payments WHERE mpesa_transaction_id = ANY($1::text[])`, [receipts]) : [],
      references.length ? this.dataSource.query(`SELECT ${PAYMENT_COLUMNS} FROM payments WHERE account_reference = ANY($1::varchar[])`, [references]) : [],
      this.dataSource.query(
        `SELECT ${PAYMENT_COLUMNS} FROM payments WHERE status = 'completed' AND completed_at >= $1 AND completed_at < $2::timestamptz + interval '1 second' ORDER BY completed_at, id`,
        [period.from, period.to],
      ),
    ]);
    return {
      byReceipt: new Map(byReceipt.map((r) => [r.mpesa_transaction_id!, facts(r)])),
      byAccountReference: new Map(byReference.map((r) => [r.account_reference, facts(r)])),
      completedInPeriod: completed.map(facts),
    };
  }
}
