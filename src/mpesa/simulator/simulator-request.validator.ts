// Daraja's checks on STK Push and STK Query bodies, field by field, answering its own error texts.
import type { MpesaConfig } from '../../config/app-config';
import { TRANSACTION_TYPES } from '../../config/environment-variables';
import { NORMALISED_PHONE } from '../phone-number';
import { isValidStkAmount } from '../stk-amount';
import { stkPassword } from '../stk-password';
import { DarajaReply, invalidField, merchantDoesNotExist, wrongCredentials } from './daraja-reply';

export interface ValidPush {
  amount: number;
  phoneNumber: string;
  callbackUrl: string;
  accountReference: string;
  transactionDesc: string;
}

type Checked<T> = { ok: true; value: T } | { ok: false; reply: DarajaReply };

const PUSH_FIELDS = [
  'BusinessShortCode', 'Password', 'Timestamp', 'TransactionType', 'Amount', 'PartyA',
  'PartyB', 'PhoneNumber', 'CallBackURL', 'AccountReference', 'TransactionDesc',
] as const;
const QUERY_FIELDS = ['BusinessShortCode', 'Password', 'Timestamp', 'CheckoutRequestID'] as const;

type Body = Record<string, unknown>;
/** Daraja accepts digits as JSON numbers or strings. */
const digitsOf = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) ? String(v) : typeof v === 'string' ? v.trim() : '');
const isObject = (v: unknown): v is Body => typeof v === 'object' && v !== null && !Array.isArray(v);

function isTimestamp(value: unknown): boolean {
  if (typeof value !== 'string' || !/^\d{14}$/.test(value)) return false;
  const y = Number(value.slice(0, 4));
  const [mo, d, h, mi, s] = [4, 6, 8, 10, 12].map((i) => Number(value.slice(i, i + 2)));
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return date.getUTCMonth() === mo - 1 && date.getUTCDate() === d && h < 24 && mi < 60 && s < 60;
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

/** Unknown fields, shortcode, Password and Timestamp: what push and query share. */
function checkCommon(body: unknown, allowed: readonly string[]): Checked<Body> {
  if (!isObject(body)) return { ok: false, reply: invalidField('Request') };
  const extra = Object.keys(body).find((k) => !allowed.includes(k));
  if (extra !== undefined) return { ok: false, reply: invalidField(extra) };
  if (!/^\d{5,7}$/.test(digitsOf(body.BusinessShortCode))) return { ok: false, reply: invalidField('BusinessShortCode') };
  if (typeof body.Password !== 'string' || body.Password === '') return { ok: false, reply: invalidField('Password') };
  if (!isTimestamp(body.Timestamp)) return { ok: false, reply: invalidField('Timestamp') };
  return { ok: true, value: body };
}

/** Checked after the fields' shapes, as Daraja does: a well-formed request for the wrong merchant or password. */
function checkCredentials(body: Body, mpesa: MpesaConfig): DarajaReply | null {
  if (digitsOf(body.BusinessShortCode) !== mpesa.shortcode) return merchantDoesNotExist();
  if (body.Password !== stkPassword(mpesa.shortcode, mpesa.passkey, body.Timestamp as string)) return wrongCredentials();
  return null;
}

export function validatePush(raw: unknown, mpesa: MpesaConfig): Checked<ValidPush> {
  const common = checkCommon(raw, PUSH_FIELDS);
  if (!common.ok) return common;
  const body = common.value;
  const fail = (field: string): Checked<ValidPush> => ({ ok: false, reply: invalidField(field) });

  if (!(TRANSACTION_TYPES as readonly unknown[]).includes(body.TransactionType)) return fail('TransactionType');
  const amount = typeof body.Amount === 'string' && /^\d+$/.test(body.Amount) ? Number(body.Amount) : body.Amount;
  if (!isValidStkAmount(amount)) return fail('Amount');
  if (!NORMALISED_PHONE.test(digitsOf(body.PartyA))) return fail('PartyA');
  if (!/^\d{5,7}$/.test(digitsOf(body.PartyB))) return fail('PartyB');
  if (!NORMALISED_PHONE.test(digitsOf(body.PhoneNumber))) return fail('PhoneNumber');
  if (!isHttpUrl(body.CallBackURL)) return fail('CallBackURL');
  const ref = body.AccountReference;
  if (typeof ref !== 'string' || ref.trim() === '' || ref.length > 12) return fail('AccountReference');
  // Daraja names TransactionDesc "Remarks" internally: that is the text it answers when it is missing.
  const desc = body.TransactionDesc;
  if (typeof desc !== 'string' || desc.trim() === '') return fail('Remarks');
  if (desc.length > 13) return fail('TransactionDesc');

  const refused = checkCredentials(body, mpesa);
  if (refused) return { ok: false, reply: refused };
  return {
    ok: true,
    value: { amount, phoneNumber: digitsOf(body.PhoneNumber), callbackUrl: body.CallBackURL as string, accountReference: ref, transactionDesc: desc },
  };
}

export function validateQuery(raw: unknown, mpesa: MpesaConfig): Checked<string> {
  const common = checkCommon(raw, QUERY_FIELDS);
  if (!common.ok) return common;
  const id = common.value.CheckoutRequestID;
  if (typeof id !== 'string' || id.trim() === '') return { ok: false, reply: invalidField('CheckoutRequestID') };
  const refused = checkCredentials(common.value, mpesa);
  if (refused) return { ok: false, reply: refused };
  return { ok: true, value: id.trim() };
}
