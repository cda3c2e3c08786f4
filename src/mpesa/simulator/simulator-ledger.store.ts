// The simulator's M-Pesa ledger: every payment into the paybill (each STK payment it completed and
// each payment a customer made by hand) and every reversal. Transaction Status, Pull and the
// statement all read this one list, so they always agree with each other and with the callbacks.
import { Injectable } from '@nestjs/common';
import { MAX_RECORDS } from './simulator-transaction.store';

export interface LedgerEntry {
  receipt: string;
  /** `stk`: paid through a push; `manual`: paid by hand from the phone's menu (no push, no callback); `reversal`: money sent back */
  kind: 'stk' | 'manual' | 'reversal';
  /** KES; a reversal's is the amount it sent back */
  amount: number;
  /** the customer's MSISDN, 2547… */
  msisdn: string;
  /** the customer's name as M-Pesa has it */
  name: string;
  /** AccountReference of the push, or what the customer typed as account number */
  billReference: string;
  initiatedAt: number;
  /** not visible to Transaction Status, Pull or the statement before this (epoch ms) */
  completedAt: number;
  /** what the statement's twin "Pay Bill Charge" row takes from the paybill */
  charge: number;
  /** set on a payment once reversed */
  reversedBy: string | null;
  /** set on a reversal */
  originalReceipt: string | null;
  checkoutRequestId: string | null;
}

export interface ResultDelivery {
  kind: 'transaction-status' | 'reversal';
  conversationId: string;
  originatorConversationId: string;
  resultUrl: string;
  resultCode: string;
  /** the receiver's HTTP status per delivery, null when it could not be reached */
  deliveries: { sentAt: string; httpStatus: number | null; error: string | null }[];
  fault: string;
}

const NAMES = ['JANE WANJIKU MWANGI', 'JOHN KAMAU NJOROGE', 'MARY AKINYI OTIENO', 'PETER KIPCHOGE RONO', 'ALICE NJERI KARIUKI', 'DAVID OUMA ODHIAMBO'];

/** The same MSISDN always has the same name, as on M-Pesa. */
export function customerName(msisdn: string): string {
  let hash = 0;
  for (const c of msisdn) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  return NAMES[hash % NAMES.length];
}

/** A made-up tariff: 0.5 % rounded to the cent, at most 200 KES. Safaricom's real tariff is not the point. */
export function payBillCharge(amount: number): number {
  return Math.min(Math.round(amount * 0.5) / 100, 200);
}

@Injectable()
export class SimulatorLedgerStore {
  private readonly entries = new Map<string, LedgerEntry>();
  readonly results: ResultDelivery[] = [];
  readonly pullRegistrations = new Map<string, { nominatedNumber: string; callbackUrl: string }>();
  pullQueries = 0;
  /** consecutive wrong credentials for the initiator; locks it (8006) at the configured count */
  failedCredentials = 0;

  add(entry: LedgerEntry): void {
    this.entries.set(entry.receipt, entry);
    if (this.entries.size > MAX_RECORDS) this.entries.delete(this.entries.keys().next().value as string);
  }

  has(receipt: string): boolean {
    return this.entries.has(receipt);
  }

  /** Only what M-Pesa has completed by `now`. */
  visible(receipt: string, now = Date.now()): LedgerEntry | undefined {
    const entry = this.entries.get(receipt);
    return entry && entry.completedAt <= now ? entry : undefined;
  }

  /** Completed entries in [from, to], oldest first. */
  between(from: number, to: number, now = Date.now()): LedgerEntry[] {
    return [...this.entries.values()]
      .filter((e) => e.completedAt <= now && e.completedAt >= from && e.completedAt <= to)
      .sort((a, b) => a.completedAt - b.completedAt || a.receipt.localeCompare(b.receipt));
  }

  all(now = Date.now()): LedgerEntry[] {
    return this.between(0, Number.MAX_SAFE_INTEGER, now);
  }

  recordResult(result: ResultDelivery): void {
    this.results.push(result);
    if (this.results.length > MAX_RECORDS) this.results.shift();
  }

  snapshot(now = Date.now()) {
    return {
      entries: this.all(now).map((e) => ({ ...e, initiatedAt: new Date(e.initiatedAt).toISOString(), completedAt: new Date(e.completedAt).toISOString() })),
      results: this.results,
      pullRegistrations: Object.fromEntries(this.pullRegistrations),
      pullQueries: this.pullQueries,
      failedCredentials: this.failedCredentials,
    };
  }

  reset(): void {
    this.entries.clear();
    this.results.length = 0;
    this.pullRegistrations.clear();
    this.pullQueries = 0;
    this.failedCredentials = 0;
  }
}
