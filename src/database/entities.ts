// Every entity, listed once: the app and the TypeORM CLI load the same set.
import { IdempotencyKey } from '../common/idempotency/idempotency-key.entity';
import { MpesaResult } from '../ledger/results/mpesa-result.entity';
import { MpesaCallback } from '../payments/callbacks/mpesa-callback.entity';
import { Payment } from '../payments/payment.entity';
import { ReconciliationReport } from '../reconciliation/reconciliation-report.entity';
import { PaymentEvent } from '../payments/payment-event.entity';
import { ReceiptEvent } from '../receipts/receipt-event.entity';
import { Receipt } from '../receipts/receipt.entity';
import { Referral } from '../referrals/referral.entity';
import { ReferralStatusChange } from '../referrals/referral-status-change.entity';
import { WebhookDelivery } from '../webhooks/webhook-delivery.entity';
import { WebhookEndpoint } from '../webhooks/webhook-endpoint.entity';
import { WebhookEventRow } from '../webhooks/webhook-event.entity';

export const ENTITIES = [Referral, ReferralStatusChange, Payment, PaymentEvent, MpesaCallback, Receipt, ReceiptEvent, IdempotencyKey, WebhookEndpoint, WebhookEventRow, WebhookDelivery, MpesaResult, ReconciliationReport];
