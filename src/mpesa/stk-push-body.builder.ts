// Turns an StkPushRequest into Daraja's eleven-field body, refusing bad input before anything is sent.
import type { MpesaConfig } from '../config/app-config';
import { DarajaRequestError } from './daraja-request.error';
import type { StkPushRequest } from './daraja.types';
import { normalizePhoneNumber } from './phone-number';
import { isValidStkAmount, MAX_STK_AMOUNT, MIN_STK_AMOUNT } from './stk-amount';
import { stkCredentials } from './stk-password';

export const ACCOUNT_REFERENCE_MAX = 12;
export const TRANSACTION_DESC_MAX = 13;

/** Exactly the fields Daraja documents: an extra unknown field has been reported to make it fail. */
export interface StkPushBody {
  BusinessShortCode: string;
  Password: string;
  Timestamp: string;
  TransactionType: string;
  Amount: number;
  PartyA: string;
  PartyB: string;
  PhoneNumber: string;
  CallBackURL: string;
  AccountReference: string;
  TransactionDesc: string;
}

/** Cuts by code points so an emoji or accented letter is never split into a broken surrogate. */
export function cutTo(value: string, max: number): string {
  return Array.from(value.trim()).slice(0, max).join('');
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

export function buildStkPushBody(mpesa: MpesaConfig, request: StkPushRequest, at: Date = new Date()): StkPushBody {
  const phone = typeof request.phoneNumber === 'string' ? normalizePhoneNumber(request.phoneNumber) : null;
  if (!phone) throw new DarajaRequestError('phoneNumber', 'phoneNumber must be a Kenyan mobile number (2547XXXXXXXX or 2541XXXXXXXX)');
  if (!isValidStkAmount(request.amount)) {
    throw new DarajaRequestError('amount', `amount must be a whole number of shillings from ${MIN_STK_AMOUNT} to ${MAX_STK_AMOUNT}`);
  }
  const accountReference = typeof request.accountReference === 'string' ? cutTo(request.accountReference, ACCOUNT_REFERENCE_MAX) : '';
  if (!accountReference) throw new DarajaRequestError('accountReference', 'accountReference must not be empty');
  if (typeof request.callbackUrl !== 'string' || !isHttpUrl(request.callbackUrl)) {
    throw new DarajaRequestError('callbackUrl', 'callbackUrl must be an http(s) URL');
  }
  // Documented optional, yet a missing TransactionDesc answers "Invalid Remarks": always send something.
  const desc = typeof request.transactionDesc === 'string' ? cutTo(request.transactionDesc, TRANSACTION_DESC_MAX) : '';

  const { Password, Timestamp } = stkCredentials(mpesa.shortcode, mpesa.passkey, at);
  return {
    BusinessShortCode: mpesa.shortcode,
    Password,
    Timestamp,
    TransactionType: mpesa.transactionType,
    Amount: request.amount,
    PartyA: phone,
    PartyB: mpesa.partyB,
    PhoneNumber: phone,
    CallBackURL: request.callbackUrl,
    AccountReference: accountReference,
    TransactionDesc: desc || cutTo(accountReference, TRANSACTION_DESC_MAX),
  };
}
