// Migrations in the order they apply. Listed explicitly (no glob) so the compiled app, the CLI and
// the tests run exactly the same set.
import { CreateReferrals1763762400000 } from './1763762400000-create-referrals';
import { CreatePayments1763766000000 } from './1763766000000-create-payments';
import { PaymentStats1763769600000 } from './1763769600000-payment-stats';
import { ListOrder1763773200000 } from './1763773200000-list-order';
import { Webhooks1763780400000 } from './1763780400000-webhooks';
import { KeepCallbackValues1796159400000 } from './1796159400000-keep-callback-values';
import { LostPushEvidence1796160000000 } from './1796160000000-lost-push-evidence';
import { AccountReference1796163600000 } from './1796163600000-account-reference';
import { Receipts1796167200000 } from './1796167200000-receipts';
import { MpesaResults1796171400000 } from './1796171400000-mpesa-results';
import { ReconciliationReports1796181600000 } from './1796181600000-reconciliation-reports';
import { ReceiptAndReportWebhooks1796185200000 } from './1796185200000-receipt-and-report-webhooks';
import { LedgerRequests1796190600000 } from './1796190600000-ledger-requests';
import { LedgerPullRuns1796190700000 } from './1796190700000-ledger-pull-runs';
import { PaymentStatsChanges1796190800000 } from './1796190800000-payment-stats-changes';

export const MIGRATIONS = [
  CreateReferrals1763762400000,
  CreatePayments1763766000000,
  PaymentStats1763769600000,
  ListOrder1763773200000,
  Webhooks1763780400000,
  KeepCallbackValues1796159400000,
  LostPushEvidence1796160000000,
  AccountReference1796163600000,
  Receipts1796167200000,
  MpesaResults1796171400000,
  ReconciliationReports1796181600000,
  ReceiptAndReportWebhooks1796185200000,
  LedgerRequests1796190600000,
  LedgerPullRuns1796190700000,
  PaymentStatsChanges1796190800000,
];
