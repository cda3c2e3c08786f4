// STK Push and STK Query as Daraja answers them, driven by the phone number's scenario.
import { Injectable, Logger } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config';
import { InjectAppConfig } from '../../config/config.module';
import { maskPhoneNumber } from '../phone-number';
import { nairobiTimestamp } from '../stk-password';
import { newCheckoutRequestId, newMerchantRequestId, newReceiptNumber } from './daraja-ids';
import { DarajaReply, darajaError, invalidField, invalidToken, ReplyTiming } from './daraja-reply';
import { SimulatorCallbackSender } from './simulator-callback.sender';
import { customerName, payBillCharge, SimulatorLedgerStore } from './simulator-ledger.store';
import { validatePush, validateQuery, ValidPush } from './simulator-request.validator';
import { scenarioForPhone, SimulatorScenario } from './simulator-scenarios';
import { SimulatorSettings } from './simulator-settings';
import { SimulatorTokenStore } from './simulator-token.store';
import { SimulatorTransaction, SimulatorTransactionStore } from './simulator-transaction.store';

const ACCEPTED = 'Success. Request accepted for processing';
/** Daraja's own spelling, three s's: clients must never match on this text. */
const QUERY_ACCEPTED = 'The service request has been accepted successsfully';

export function bearerToken(authorization: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match ? match[1] : null;
}

@Injectable()
export class SimulatorStkService {
  private readonly logger = new Logger(SimulatorStkService.name);

  constructor(
    @InjectAppConfig() private readonly config: AppConfig,
    private readonly tokens: SimulatorTokenStore,
    private readonly store: SimulatorTransactionStore,
    private readonly settings: SimulatorSettings,
    private readonly callbacks: SimulatorCallbackSender,
    private readonly ledger: SimulatorLedgerStore,
  ) {}

  async push(authorization: string | undefined, body: unknown): Promise<{ reply: DarajaReply; timing: ReplyTiming }> {
    const receivedAt = new Date();
    const fields = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
    const refuse = (reply: DarajaReply, scenario: string | null = null) => {
      this.store.recordPush({
        receivedAt: receivedAt.toISOString(),
        phoneNumber: typeof fields.PhoneNumber === 'string' || typeof fields.PhoneNumber === 'number' ? String(fields.PhoneNumber) : null,
        accountReference: typeof fields.AccountReference === 'string' ? fields.AccountReference : null,
        amount: fields.Amount,
        outcome: 'refused',
        httpStatus: reply.status,
        errorCode: reply.body.errorCode as string,
        errorMessage: reply.body.errorMessage as string,
        checkoutRequestId: null,
        scenario,
      });
      return { reply, timing: { kind: 'now' } as const };
    };

    if (!this.tokens.isValid(bearerToken(authorization))) return refuse(invalidToken());
    const checked = validatePush(body, this.config.mpesa);
    if (!checked.ok) return refuse(checked.reply);
    const push = checked.value;
    const scenario = scenarioForPhone(push.phoneNumber);
    const { refusal } = scenario;
    if (refusal) {
      const attempt = this.store.countAttempt(push.phoneNumber, push.accountReference);
      if (refusal.times === 0 || attempt <= refusal.times) {
        return refuse(darajaError(refusal.httpStatus, refusal.errorCode, refusal.errorMessage), scenario.name);
      }
    }

    const transaction = this.accept(push, scenario, receivedAt);
    this.logger.log(`Simulator accepted an STK push for ${maskPhoneNumber(push.phoneNumber)} (${scenario.name})`);
    const reply: DarajaReply = {
      status: 200,
      body: {
        MerchantRequestID: transaction.merchantRequestId,
        CheckoutRequestID: transaction.checkoutRequestId,
        ResponseCode: '0',
        ResponseDescription: ACCEPTED,
        CustomerMessage: ACCEPTED,
      },
    };
    // The callback beats the push's own answer: delivered (or given up on) before we reply.
    if (scenario.callback === 'before-answer') await this.callbacks.deliver(transaction);
    if (scenario.answer === 'never') return { reply, timing: { kind: 'never' } };
    if (scenario.answer === 'late') return { reply, timing: { kind: 'after', ms: this.settings.lateAnswerMs } };
    return { reply, timing: { kind: 'now' } };
  }

  query(authorization: string | undefined, body: unknown): DarajaReply {
    if (!this.tokens.isValid(bearerToken(authorization))) return invalidToken();
    const checked = validateQuery(body, this.config.mpesa);
    if (!checked.ok) return checked.reply;
    const transaction = this.store.get(checked.value);
    if (!transaction) {
      this.store.unknownQueries++;
      return invalidField('CheckoutRequestID');
    }
    transaction.queryCount++;
    const { scenario } = transaction;
    if (scenario.firstQueryRefused && transaction.queryCount === 1) {
      return darajaError(500, '500.003.02', 'Error Occurred: Spike Arrest Violation');
    }
    if (Date.now() < transaction.finalAtMs) {
      if (scenario.processingForm === 'result-4999') {
        return { status: 200, body: { ResponseCode: '0', ResultCode: '4999', ResultDesc: 'The transaction is still under processing' } };
      }
      return darajaError(500, '500.001.1001', 'The transaction is being processed');
    }
    const lie = scenario.queryLiesCancelled && transaction.resultCode === 0;
    return {
      status: 200,
      body: {
        ResponseCode: '0',
        ResponseDescription: QUERY_ACCEPTED,
        MerchantRequestID: transaction.merchantRequestId,
        CheckoutRequestID: transaction.checkoutRequestId,
        // Always a string here, unlike the callback's number.
        ResultCode: lie ? '1032' : String(transaction.resultCode),
        ResultDesc: lie ? 'Request cancelled by user' : transaction.resultDesc,
      },
    };
  }

  private accept(push: ValidPush, scenario: SimulatorScenario, receivedAt: Date): SimulatorTransaction {
    const delayMs = this.settings.current.callbackDelayMs;
    const lateMs = this.settings.lateDelayMs;
    // The customer answers after the service gave the payment up: PAYMENT_EXPIRY_S of the same config, and 5 s.
    const afterExpiryMs = this.config.payments.paymentExpiryS * 1000 + 5000;
    const answerDelayMs =
      scenario.callback === 'before-answer' ? 0 : scenario.callback === 'after-expiry' ? afterExpiryMs : scenario.slowPrompt ? lateMs : delayMs;
    const finalAtMs = receivedAt.getTime() + answerDelayMs;
    const paid = scenario.resultCode === 0;
    let checkoutRequestId = newCheckoutRequestId(receivedAt);
    while (this.store.has(checkoutRequestId)) checkoutRequestId = newCheckoutRequestId(receivedAt);

    const transaction: SimulatorTransaction = {
      merchantRequestId: newMerchantRequestId(),
      checkoutRequestId,
      phoneNumber: push.phoneNumber,
      amount: push.amount,
      accountReference: push.accountReference,
      transactionDesc: push.transactionDesc,
      callbackUrl: push.callbackUrl,
      scenario,
      receivedAt: receivedAt.toISOString(),
      finalAtMs,
      resultCode: scenario.resultCode,
      resultDesc: scenario.resultDesc,
      mpesaReceiptNumber: paid ? newReceiptNumber() : null,
      transactionDate: paid ? Number(nairobiTimestamp(new Date(finalAtMs))) : null,
      queryCount: 0,
      callbacks: [],
    };
    this.store.add(transaction);
    // M-Pesa's books have every payment, callback or not: visible from the moment the customer paid.
    if (transaction.mpesaReceiptNumber) {
      this.ledger.add({
        receipt: transaction.mpesaReceiptNumber,
        kind: 'stk',
        amount: push.amount,
        msisdn: push.phoneNumber,
        name: customerName(push.phoneNumber),
        billReference: push.accountReference,
        initiatedAt: receivedAt.getTime(),
        completedAt: finalAtMs,
        charge: payBillCharge(push.amount),
        reversedBy: null,
        originalReceipt: null,
        checkoutRequestId,
      });
    }
    this.store.recordPush({
      receivedAt: transaction.receivedAt,
      phoneNumber: push.phoneNumber,
      accountReference: push.accountReference,
      amount: push.amount,
      outcome: 'accepted',
      httpStatus: 200,
      errorCode: null,
      errorMessage: null,
      checkoutRequestId,
      scenario: scenario.name,
    });

    if (scenario.callback === 'none') this.callbacks.schedule(transaction, answerDelayMs);
    else if (scenario.callback === 'twice') this.callbacks.schedule(transaction, answerDelayMs, 2);
    // A late callback: the payment is final (the query says so) long before its callback arrives.
    else if (scenario.callback === 'late') this.callbacks.schedule(transaction, lateMs);
    else if (scenario.callback === 'after-expiry') this.callbacks.schedule(transaction, afterExpiryMs);
    return transaction;
  }
}
