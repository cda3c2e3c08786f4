// The callback body exactly as Daraja shapes it (DARAJA.md, "The callback").
import type { SimulatorTransaction } from './simulator-transaction.store';

export function buildStkCallback(t: SimulatorTransaction): Record<string, unknown> {
  const stkCallback: Record<string, unknown> = {
    MerchantRequestID: t.merchantRequestId,
    CheckoutRequestID: t.checkoutRequestId,
    // A number for numeric codes, a string for the rest (SFC_IC0003): both occur in real callbacks.
    ResultCode: t.resultCode,
    ResultDesc: t.resultDesc,
  };
  if (t.resultCode === 0) {
    stkCallback.CallbackMetadata = {
      Item: [
        { Name: 'Amount', Value: t.amount },
        { Name: 'MpesaReceiptNumber', Value: t.mpesaReceiptNumber },
        // Real callbacks carry Balance with no Value at all; parsers that read by position break on it.
        { Name: 'Balance' },
        { Name: 'TransactionDate', Value: t.transactionDate },
        { Name: 'PhoneNumber', Value: Number(t.phoneNumber) },
      ],
    };
  }
  return { Body: { stkCallback } };
}
