// A stored reconciliation report as the contract shows it in lists and in the report_ready webhook.
import type { ReconciliationReport } from './reconciliation-report.entity';
import { LINE_KINDS, ReportCounts, ReportSummary } from './report';

/** A stored report as the list (and the report_ready webhook) shows it: its counts, not its lines. */
export function reportSummary(row: ReconciliationReport): ReportSummary {
  return {
    id: row.id,
    source: row.source,
    periodFrom: row.periodFrom.toISOString(),
    periodTo: row.periodTo.toISOString(),
    createdAt: row.createdAt.toISOString(),
    fileName: row.fileName,
    // In the documented order, whatever jsonb made of it.
    counts: Object.fromEntries(LINE_KINDS.map((k) => [k, row.counts[k] ?? 0])) as ReportCounts,
  };
}
