// The simulator's ground truth, in memory and bounded: every push received and every accepted transaction.
import { Injectable } from '@nestjs/common';
import type { SimulatorScenario } from './simulator-scenarios';

/** Oldest records go beyond this, so a long demo cannot exhaust memory. */
export const MAX_RECORDS = 100_000;

export interface CallbackDelivery {
  sentAt: string;
  /** the callback receiver's HTTP status, or null when it could not be reached */
  httpStatus: number | null;
  error: string | null;
}

export interface SimulatorTransaction {
  merchantRequestId: string;
  checkoutRequestId: string;
  phoneNumber: string;
  amount: number;
  accountReference: string;
  transactionDesc: string;
  callbackUrl: string;
  scenario: SimulatorScenario;
  receivedAt: string;
  /** when the customer's answer is in: the query reports "processing" before, the result after */
  finalAtMs: number;
  /** ResultCode in the callback's own type: number, or string for codes like SFC_IC0003 */
  resultCode: number | string;
  resultDesc: string;
  mpesaReceiptNumber: string | null;
  /** YYYYMMDDHHmmss (Nairobi) as a number, like the callback's TransactionDate */
  transactionDate: number | null;
  queryCount: number;
  callbacks: CallbackDelivery[];
}

export interface PushRecord {
  receivedAt: string;
  phoneNumber: string | null;
  accountReference: string | null;
  amount: unknown;
  outcome: 'accepted' | 'refused';
  httpStatus: number;
  errorCode: string | null;
  errorMessage: string | null;
  checkoutRequestId: string | null;
  scenario: string | null;
}

@Injectable()
export class SimulatorTransactionStore {
  private readonly transactions = new Map<string, SimulatorTransaction>();
  private pushes: PushRecord[] = [];
  /** pushes seen per phone + AccountReference, for scenarios that refuse the first N tries */
  private readonly attempts = new Map<string, number>();
  unknownQueries = 0;

  recordPush(push: PushRecord): void {
    this.pushes.push(push);
    // Trim in batches: one splice per thousand pushes instead of a shift on every push.
    if (this.pushes.length > MAX_RECORDS + 1000) this.pushes = this.pushes.slice(-MAX_RECORDS);
  }

  countAttempt(phoneNumber: string, accountReference: string): number {
    const key = `${phoneNumber}|${accountReference}`;
    const count = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.delete(key);
    this.attempts.set(key, count);
    if (this.attempts.size > MAX_RECORDS) this.attempts.delete(this.attempts.keys().next().value as string);
    return count;
  }

  has(checkoutRequestId: string): boolean {
    return this.transactions.has(checkoutRequestId);
  }

  add(transaction: SimulatorTransaction): void {
    this.transactions.set(transaction.checkoutRequestId, transaction);
    if (this.transactions.size > MAX_RECORDS) this.transactions.delete(this.transactions.keys().next().value as string);
  }

  get(checkoutRequestId: string): SimulatorTransaction | undefined {
    return this.transactions.get(checkoutRequestId);
  }

  snapshot(now = Date.now()) {
    const transactions = [...this.transactions.values()];
    const tally = (key: (t: SimulatorTransaction) => string) =>
      transactions.reduce<Record<string, number>>((acc, t) => ((acc[key(t)] = (acc[key(t)] ?? 0) + 1), acc), {});
    return {
      pushes: this.pushes,
      transactions: transactions.map((t) => ({
        merchantRequestId: t.merchantRequestId,
        checkoutRequestId: t.checkoutRequestId,
        phoneNumber: t.phoneNumber,
        amount: t.amount,
        accountReference: t.accountReference,
        transactionDesc: t.transactionDesc,
        callbackUrl: t.callbackUrl,
        scenario: t.scenario.name,
        receivedAt: t.receivedAt,
        status: now < t.finalAtMs ? 'processing' : String(t.resultCode) === '0' ? 'completed' : 'failed',
        finalAt: new Date(t.finalAtMs).toISOString(),
        resultCode: String(t.resultCode),
        resultDesc: t.resultDesc,
        mpesaReceiptNumber: t.mpesaReceiptNumber,
        queryCount: t.queryCount,
        callbacks: t.callbacks,
      })),
      acceptedPushesByPhone: tally((t) => t.phoneNumber),
      acceptedPushesByAccountReference: tally((t) => t.accountReference),
      callbacksSent: transactions.reduce((n, t) => n + t.callbacks.length, 0),
      queriesByCheckoutRequestId: Object.fromEntries(transactions.map((t) => [t.checkoutRequestId, t.queryCount])),
      unknownQueries: this.unknownQueries,
    };
  }

  reset(): void {
    this.transactions.clear();
    this.pushes = [];
    this.attempts.clear();
    this.unknownQueries = 0;
  }
}
