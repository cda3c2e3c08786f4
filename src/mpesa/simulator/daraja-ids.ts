// Identifiers in the shapes real Daraja produces, so code and people reading them see familiar values.
import { randomBytes, randomInt } from 'node:crypto';
import { nairobiTimestamp } from '../stk-password';

const digits = (n: number) => Array.from({ length: n }, () => randomInt(10)).join('');
const hex = (n: number) => randomBytes(Math.ceil(n / 2)).toString('hex').slice(0, n);
const RECEIPT_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Like `2654-4b64-97ff-b827b542881d3130`. */
export function newMerchantRequestId(): string {
  return `${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}${digits(4)}`;
}

/** Like `ws_CO_1007202409152617172396192`: ws_CO_, DDMMYYYYHHmmss in Nairobi time, milliseconds, random digits. */
export function newCheckoutRequestId(at: Date): string {
  const t = nairobiTimestamp(at);
  const ddmmyyyy = `${t.slice(6, 8)}${t.slice(4, 6)}${t.slice(0, 4)}`;
  return `ws_CO_${ddmmyyyy}${t.slice(8)}${String(at.getUTCMilliseconds()).padStart(3, '0')}${digits(8)}`;
}

/** Ten upper-case letters and digits starting with a letter, like `NLJ7RT61SV`. */
export function newReceiptNumber(): string {
  const first = RECEIPT_CHARS[randomInt(26)];
  return first + Array.from({ length: 9 }, () => RECEIPT_CHARS[randomInt(RECEIPT_CHARS.length)]).join('');
}

/** The `requestId` of an error envelope, like `16813-1590513-1`. */
export function newRequestId(): string {
  return `${digits(5)}-${digits(7)}-${randomInt(1, 4)}`;
}

/** Like `AG_20260602_2010325b025970fbc403`: the initiator APIs' ConversationID. */
export function newConversationId(at: Date): string {
  return `AG_${nairobiTimestamp(at).slice(0, 8)}_${hex(20)}`;
}

/** Like `5118-111210482-1`. */
export function newOriginatorConversationId(): string {
  return `${digits(4)}-${digits(9)}-${randomInt(1, 4)}`;
}

/**
 * Transaction Status's envelope TransactionID: not the receipt but a date code of the query day
 * and seven zeros (DARAJA.md), here a letter for the year, one for the month, a day character.
 */
export function statusPlaceholderTransactionId(at: Date): string {
  const t = nairobiTimestamp(at);
  const year = RECEIPT_CHARS[(Number(t.slice(0, 4)) - 2006) % 26];
  const month = RECEIPT_CHARS[Number(t.slice(4, 6)) - 1];
  const day = RECEIPT_CHARS[Number(t.slice(6, 8)) % RECEIPT_CHARS.length];
  return `${year}${month}${day}0000000`;
}
