// M-Pesa's own ledger through Daraja: Transaction Status and Reversal (initiator APIs, answered
// later at ResultURL) and Pull Transactions (synchronous, paged). Like DarajaClient, every answer
// or its absence becomes a typed result; only bad input throws, before any request.
import { Injectable, Logger } from '@nestjs/common';
import { type AppConfig, type MpesaConfig, resultUrl } from '../config/app-config';
import { InjectAppConfig } from '../config/config.module';
import { classifyHttpError, isInvalidTokenAnswer, readErrorEnvelope } from './daraja-error.classifier';
import { authorisedPost, type DarajaExchange as Exchange } from './daraja-authorised-post';
import { DarajaHttpTransport } from './daraja-http.transport';
import { DarajaRequestError } from './daraja-request.error';
import { DarajaTokenCache } from './daraja-token.cache';
import type { DarajaError } from './daraja.types';
import { parseInitiatorAcknowledgement } from './daraja-result.parser';
import { NORMALISED_PHONE } from './phone-number';
import { parsePullQueryAnswer, parsePullRegisterAnswer, PULL_NO_DATA, PULL_SUCCESS, pullDate, PullRow } from './pull-answer.parser';
import { SecurityCredentialError, SecurityCredentialProvider } from './security-credential';

export const TRANSACTION_STATUS_PATH = '/mpesa/transactionstatus/v1/query';
export const REVERSAL_PATH = '/mpesa/reversal/v1/request';
/** No `/mpesa` prefix on these two. */
export const PULL_REGISTER_PATH = '/pulltransactions/v1/register';
export const PULL_QUERY_PATH = '/pulltransactions/v1/query';
/** Pull answers an app that is not subscribed to it with this, even for a token that works elsewhere. */
export const PULL_NOT_SUBSCRIBED_CODE = '401.001';
/** Pages one query reads at most, whatever the answers say. */
export const DEFAULT_PULL_PAGE_CAP = 50;
/** Pull windows reach back 48 hours at most. */
export const PULL_MAX_AGE_MS = 48 * 3600_000;

export type InitiatorAck =
  | { kind: 'accepted'; conversationId: string; originatorConversationId: string; responseDescription: string }
  /** no initiator configured, or its credential could not be built: nothing was sent */
  | { kind: 'not-configured'; message: string }
  | ({ kind: 'error' } & DarajaError);

export interface TransactionStatusRequest {
  /** the M-Pesa receipt (MpesaReceiptNumber) */
  receipt: string;
  remarks?: string;
  /** echoed back in the result's ReferenceData */
  occasion?: string;
}

export interface ReversalRequest {
  receipt: string;
  /** the full original amount, whole KES */
  amount: number;
  /** 2 to 100 characters */
  remarks: string;
}

export type PullRegisterResult =
  | { kind: 'registered' | 'already-registered'; status: string; description: string }
  | { kind: 'not-subscribed'; message: string }
  | ({ kind: 'error' } & DarajaError);

export type PullPaging = 'offset' | 'page';

export type PullQueryResult =
  /** `complete` false: the page cap stopped the loop with pages still to read */
  | { kind: 'rows'; rows: PullRow[]; pages: number; complete: boolean; paging: PullPaging; refId: string | null }
  /** 1001 on the first page: nothing found, or the shortcode is not set up for Pull (Daraja does not say which) */
  | { kind: 'no-data'; responseCode: string; message: string }
  | { kind: 'not-subscribed'; message: string }
  | ({ kind: 'error' } & DarajaError);

export interface PullQueryRequest {
  from: Date;
  to: Date;
  /** default DEFAULT_PULL_PAGE_CAP */
  maxPages?: number;
}


const cut = (value: string, max: number) => value.slice(0, max);

function isNotSubscribed(status: number, body: unknown): boolean {
  return status === 401 && readErrorEnvelope(body).errorCode === PULL_NOT_SUBSCRIBED_CODE;
}

function checkReceipt(receipt: unknown): string {
  if (typeof receipt !== 'string' || !/^[A-Za-z0-9]{6,20}$/.test(receipt.trim())) {
    throw new DarajaRequestError('receipt', 'receipt must be an M-Pesa receipt number (letters and digits)');
  }
  return receipt.trim().toUpperCase();
}

@Injectable()
export class DarajaLedgerClient {
  private readonly logger = new Logger(DarajaLedgerClient.name);
  private readonly mpesa: MpesaConfig;

  constructor(
    @InjectAppConfig() config: AppConfig,
    private readonly tokens: DarajaTokenCache,
    private readonly http: DarajaHttpTransport,
    private readonly credentials: SecurityCredentialProvider,
  ) {
    this.mpesa = config.mpesa;
  }

  get initiatorConfigured(): boolean {
    return this.mpesa.initiator !== null;
  }

  /** A harmless read: asking again gives new ids and the same content. The verdict arrives at the results route. */
  async transactionStatus(request: TransactionStatusRequest): Promise<InitiatorAck> {
    const receipt = checkReceipt(request.receipt);
    const url = resultUrl(this.mpesa, 'transaction-status');
    return this.initiatorRequest(TRANSACTION_STATUS_PATH, `Transaction Status of ${receipt}`, (initiator, credential) => ({
      Initiator: initiator,
      SecurityCredential: credential,
      CommandID: 'TransactionStatusQuery',
      TransactionID: receipt,
      PartyA: this.mpesa.shortcode,
      IdentifierType: '4',
      ResultURL: url,
      QueueTimeOutURL: `${url}?timeout=queue`,
      Remarks: cut(request.remarks?.trim() || 'Receipt verification', 100),
      Occasion: cut(request.occasion?.trim() ?? '', 100),
    }));
  }

  /**
   * Money: the caller must never resend after an `indeterminate` error or a lost result without
   * first finding out what happened (Transaction Status, the ledger). R000001 is the last guard.
   */
  async reversal(request: ReversalRequest): Promise<InitiatorAck> {
    const receipt = checkReceipt(request.receipt);
    if (!Number.isInteger(request.amount) || request.amount < 1 || request.amount > 250_000) {
      throw new DarajaRequestError('amount', 'amount must be whole shillings, 1 to 250,000');
    }
    const remarks = typeof request.remarks === 'string' ? request.remarks.trim() : '';
    if (remarks.length < 2 || remarks.length > 100) throw new DarajaRequestError('remarks', 'remarks must be 2 to 100 characters');
    const url = resultUrl(this.mpesa, 'reversal');
    return this.initiatorRequest(REVERSAL_PATH, `Reversal of ${receipt}`, (initiator, credential) => ({
      Initiator: initiator,
      SecurityCredential: credential,
      CommandID: 'TransactionReversal',
      TransactionID: receipt,
      Amount: String(request.amount),
      ReceiverParty: this.mpesa.shortcode,
      // Safaricom's spelling: the English one answers 400.002.02 Invalid RecieverIdentifierType.
      RecieverIdentifierType: '11',
      ResultURL: url,
      QueueTimeOutURL: `${url}?timeout=queue`,
      Remarks: remarks,
      Occasion: '',
    }));
  }

  /** Once per shortcode; `1001` (already registered) is as good as `1000`. */
  async pullRegister(nominatedNumber: string, callbackUrl: string): Promise<PullRegisterResult> {
    if (typeof callbackUrl !== 'string' || !/^https?:\/\//.test(callbackUrl)) throw new DarajaRequestError('callbackUrl', 'callbackUrl must be an http(s) URL');
    if (typeof nominatedNumber !== 'string' || !NORMALISED_PHONE.test(nominatedNumber)) {
      // The 07 form has been refused by Daraja: only 2547…/2541….
      throw new DarajaRequestError('nominatedNumber', 'nominatedNumber must be an MSISDN in 2547XXXXXXXX form');
    }
    const exchange = await this.authorisedPost(PULL_REGISTER_PATH, {
      ShortCode: this.mpesa.shortcode,
      RequestType: 'Pull',
      NominatedNumber: nominatedNumber,
      CallBackURL: callbackUrl,
    });
    if (exchange.kind !== 'answer') return this.exchangeError('Pull register', exchange);
    if (isNotSubscribed(exchange.status, exchange.body)) return this.notSubscribed();
    if (exchange.status !== 200) return this.failed('Pull register', classifyHttpError(exchange.status, exchange.body));
    const answer = parsePullRegisterAnswer(exchange.body);
    if (answer.status === PULL_SUCCESS) return { kind: 'registered', status: answer.status, description: answer.description };
    if (answer.status === PULL_NO_DATA) return { kind: 'already-registered', status: answer.status, description: answer.description };
    return this.failed('Pull register', { errorClass: 'permanent', httpStatus: 200, errorCode: answer.status, errorMessage: answer.description || 'Unreadable Pull register answer' });
  }

  /**
   * Every page of one window. OffSetValue is a row offset in Daraja's field table and a page
   * number in its FAQ (and in production, with TotalPages): an answer carrying TotalPages is paged
   * by number, any other by row offset. Either way the loop stops on an empty page (or 1001), a
   * page shorter than the first, a page that adds no new transactionId, the last of TotalPages, or
   * the cap; rows are deduplicated by transactionId.
   */
  async pullTransactions(request: PullQueryRequest): Promise<PullQueryResult> {
    const { from, to } = request;
    if (!(from instanceof Date) || !(to instanceof Date) || Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()) || from >= to) {
      throw new DarajaRequestError('from', 'from and to must be dates, from before to');
    }
    if (Date.now() - from.getTime() > PULL_MAX_AGE_MS + 60_000) throw new DarajaRequestError('from', 'Pull reaches back 48 hours at most');
    const cap = request.maxPages ?? DEFAULT_PULL_PAGE_CAP;
    if (!Number.isInteger(cap) || cap < 1) throw new DarajaRequestError('maxPages', 'maxPages must be a whole number, at least 1');

    const rows = new Map<string, PullRow>();
    let paging: PullPaging = 'offset';
    let offset = 0;
    let refId: string | null = null;
    let pageSize = 0;
    for (let page = 1; ; page++) {
      const exchange = await this.authorisedPost(PULL_QUERY_PATH, {
        ShortCode: this.mpesa.shortcode,
        StartDate: pullDate(from),
        EndDate: pullDate(to),
        OffSetValue: String(offset),
      });
      if (exchange.kind !== 'answer') return this.exchangeError('Pull query', exchange);
      if (isNotSubscribed(exchange.status, exchange.body)) return this.notSubscribed();
      if (exchange.status !== 200) return this.failed('Pull query', classifyHttpError(exchange.status, exchange.body));
      const answer = parsePullQueryAnswer(exchange.body);
      refId ??= answer.refId;
      const done = (complete: boolean): PullQueryResult => ({ kind: 'rows', rows: [...rows.values()], pages: page, complete, paging, refId });
      if (answer.responseCode === PULL_NO_DATA) {
        if (page === 1) return { kind: 'no-data', responseCode: PULL_NO_DATA, message: answer.message };
        return { ...done(true), pages: page - 1 } as PullQueryResult;
      }
      if (answer.responseCode !== PULL_SUCCESS) {
        return this.failed('Pull query', { errorClass: 'permanent', httpStatus: 200, errorCode: answer.responseCode, errorMessage: answer.message || 'Unreadable Pull answer' });
      }
      if (page === 1) {
        if (answer.totalPages !== null) paging = 'page';
        pageSize = answer.rows.length;
      }
      const before = rows.size;
      for (const row of answer.rows) if (!rows.has(row.transactionId)) rows.set(row.transactionId, row);
      const added = rows.size - before;
      // A page shorter than the first is the last: nothing is gained by asking for an empty one.
      if (answer.rows.length === 0 || (page > 1 && answer.rows.length < pageSize)) return done(true);
      // Page numbers may count from 0 or from 1 (then 0 and 1 are the same page): a repeat at 1 is not the end.
      if (added === 0 && !(paging === 'page' && offset === 1)) return done(true);
      if (paging === 'page') {
        if (answer.totalPages !== null && offset >= answer.totalPages) return done(true);
        offset += 1;
      } else {
        offset += answer.rows.length;
      }
      if (page >= cap) {
        this.logger.warn(`Pull query stopped at the page cap (${cap}) with pages left to read`);
        return done(false);
      }
    }
  }

  private async initiatorRequest(path: string, what: string, body: (initiator: string, credential: string) => Record<string, string>): Promise<InitiatorAck> {
    const initiator = this.mpesa.initiator;
    if (!initiator) return { kind: 'not-configured', message: 'No initiator is configured (MPESA_INITIATOR_NAME)' };
    let credential: string;
    try {
      credential = await this.credentials.credential();
    } catch (error) {
      if (!(error instanceof SecurityCredentialError)) throw error;
      // The certificate's server did not answer: nothing was sent, so asking later is safe (a request
      // marked failed for good here would leave its receipt waiting for ever).
      if (error.reason === 'unreachable') return this.failed(what, { errorClass: 'retryable', httpStatus: null, errorCode: null, errorMessage: error.message });
      return { kind: 'not-configured', message: error.message };
    }
    const exchange = await this.authorisedPost(path, body(initiator.name, credential));
    if (exchange.kind === 'token-error') return this.failed(what, exchange.error);
    if (exchange.kind === 'transport') {
      const { sent, code, message } = exchange.error;
      // Sent but unanswered: Daraja may have queued it; a reversal must never be resent blindly.
      return this.failed(what, { errorClass: sent ? 'indeterminate' : 'retryable', httpStatus: null, errorCode: code, errorMessage: message });
    }
    if (exchange.status !== 200) return this.failed(what, classifyHttpError(exchange.status, exchange.body));
    const ack = parseInitiatorAcknowledgement(exchange.body);
    if (ack && ack.responseCode === '0') {
      this.logger.log(`${what} queued: ConversationID ${ack.conversationId}`);
      return { kind: 'accepted', conversationId: ack.conversationId, originatorConversationId: ack.originatorConversationId, responseDescription: ack.responseDescription };
    }
    if (ack) return this.failed(what, { errorClass: 'permanent', httpStatus: 200, errorCode: ack.responseCode, errorMessage: ack.responseDescription || `ResponseCode ${ack.responseCode}` });
    return this.failed(what, { errorClass: 'indeterminate', httpStatus: 200, errorCode: null, errorMessage: 'Unreadable acknowledgement' });
  }

  /** authorisedPost; Pull's 401.001 is also a refused token the first time (a second one means not subscribed). */
  private authorisedPost(path: string, body: unknown): Promise<Exchange> {
    return authorisedPost({ tokens: this.tokens, http: this.http, logger: this.logger }, path, body, (status, answer) => isInvalidTokenAnswer(status, answer) || isNotSubscribed(status, answer));
  }

  private exchangeError(what: string, exchange: Exclude<Exchange, { kind: 'answer' }>): { kind: 'error' } & DarajaError {
    if (exchange.kind === 'token-error') return this.failed(what, exchange.error);
    return this.failed(what, { errorClass: 'indeterminate', httpStatus: null, errorCode: exchange.error.code, errorMessage: exchange.error.message });
  }

  private notSubscribed(): { kind: 'not-subscribed'; message: string } {
    const message = 'This Daraja app is not subscribed to Pull Transactions (401.001 with a fresh token)';
    this.logger.error(message);
    return { kind: 'not-subscribed', message };
  }

  private failed(what: string, error: DarajaError): { kind: 'error' } & DarajaError {
    this.logger.warn(`${what} failed (${error.errorClass}): HTTP ${error.httpStatus ?? '-'} ${error.errorCode ?? '-'} ${error.errorMessage}`);
    return { kind: 'error', ...error };
  }
}
