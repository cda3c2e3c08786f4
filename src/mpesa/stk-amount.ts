// Daraja's amount rule (DARAJA.md): whole shillings, 1 to 250,000 per transaction.

export const MIN_STK_AMOUNT = 1;
export const MAX_STK_AMOUNT = 250_000;

/** Decimals are refused, never rounded: rounding would charge the customer a different amount. */
export function isValidStkAmount(amount: unknown): amount is number {
  return typeof amount === 'number' && Number.isInteger(amount) && amount >= MIN_STK_AMOUNT && amount <= MAX_STK_AMOUNT;
}
