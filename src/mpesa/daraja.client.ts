// STK Push and STK Push Query against Daraja: every answer (or its absence) becomes a typed result.
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { AppConfig, MpesaConfig } from '../config/app-config';
import { InjectAppConfig } from '../config/config.module';
import { mpesaTargetWarning } from '../config/mpesa-target-check';
import { classifyHttpError, isBeingProcessed, readErrorEnvelope } from './daraja-error.classifier';
import { authorisedPost, type DarajaExchange as Exchange } from './daraja-authorised-post';
import { DarajaHttpTransport } from './daraja-http.transport';
import { DarajaRequestError } from './daraja-request.error';
import { DarajaTokenCache } from './daraja-token.cache';
import type { DarajaError, StkPushRequest, StkPushResult, StkQueryResult } from './daraja.types';
import { maskPhoneNumber } from './phone-number';
import { buildStkPushBody } from './stk-push-body.builder';
import { stkCredentials } from './stk-password';

export const STK_PUSH_PATH = '/mpesa/stkpush/v1/processrequest';
export const STK_QUERY_PATH = '/mpesa/stkpushquery/v1/query';
/** The query's in-progress answer of the newer generation (HTTP 200). */
const STILL_PROCESSING_RESULT = '4999';


const text = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);
const code = (v: unknown): string | null => (typeof v === 'number' && Number.isFinite(v) ? String(v) : text(v)?.trim() || null);
const record = (body: unknown): Record<string, unknown> => (body && typeof body === 'object' ? (body as Record<string, unknown>) : {});

@Injectable()
export class DarajaClient implements OnModuleInit {
  private readonly logger = new Logger(DarajaClient.name);
  private readonly mpesa: MpesaConfig;

  constructor(
    @InjectAppConfig() config: AppConfig,
    private readonly tokens: DarajaTokenCache,
    private readonly http: DarajaHttpTransport,
  ) {
    this.mpesa = config.mpesa;
  }

  /** Once per process that talks to Daraja: a sandbox or production set-up that cannot reach Safaricom says so. */
  onModuleInit(): void {
    const warning = mpesaTargetWarning(this.mpesa);
    if (warning) this.logger.warn(warning);
  }

  /** Throws DarajaRequestError for bad input, before any request; otherwise never throws. */
  async stkPush(request: StkPushRequest): Promise<StkPushResult> {
    const body = buildStkPushBody(this.mpesa, request);
    const who = maskPhoneNumber(body.PhoneNumber);
    const exchange = await this.authorisedPost(STK_PUSH_PATH, body);

    if (exchange.kind === 'token-error') return this.pushFailed(who, exchange.error);
    if (exchange.kind === 'transport') {
      const { sent, code: errorCode, message } = exchange.error;
      // Sent but unanswered: the prompt may already be on the phone, so this must never be resent blindly.
      return this.pushFailed(who, { errorClass: sent ? 'indeterminate' : 'retryable', httpStatus: null, errorCode, errorMessage: message });
    }
    if (exchange.status !== 200) return this.pushFailed(who, classifyHttpError(exchange.status, exchange.body));

    const answer = record(exchange.body);
    const responseCode = code(answer.ResponseCode);
    const merchantRequestId = text(answer.MerchantRequestID);
    const checkoutRequestId = text(answer.CheckoutRequestID);
    if (responseCode === '0' && merchantRequestId && checkoutRequestId) {
      this.logger.log(`STK push accepted for ${who}: CheckoutRequestID ${checkoutRequestId}`);
      const customerMessage = text(answer.CustomerMessage) ?? text(answer.ResponseDescription) ?? '';
      return { kind: 'accepted', merchantRequestId, checkoutRequestId, customerMessage };
    }
    if (responseCode !== null && responseCode !== '0') {
      const errorMessage = text(answer.ResponseDescription) ?? text(answer.CustomerMessage) ?? `ResponseCode ${responseCode}`;
      return this.pushFailed(who, { errorClass: 'permanent', httpStatus: 200, errorCode: responseCode, errorMessage });
    }
    // HTTP 200 we cannot read: Daraja did receive the push, and may have sent the prompt.
    return this.pushFailed(who, { errorClass: 'indeterminate', httpStatus: 200, errorCode: null, errorMessage: 'Unreadable STK push answer' });
  }

  /** Throws DarajaRequestError for an empty id; otherwise never throws. */
  async stkQuery(checkoutRequestId: string): Promise<StkQueryResult> {
    if (typeof checkoutRequestId !== 'string' || !checkoutRequestId.trim() || checkoutRequestId.length > 100) {
      throw new DarajaRequestError('checkoutRequestId', 'checkoutRequestId must be a non-empty Daraja CheckoutRequestID');
    }
    const body = {
      BusinessShortCode: this.mpesa.shortcode,
      ...stkCredentials(this.mpesa.shortcode, this.mpesa.passkey),
      CheckoutRequestID: checkoutRequestId.trim(),
    };
    const exchange = await this.authorisedPost(STK_QUERY_PATH, body);
    const result = this.interpretQuery(exchange);
    if (result.kind === 'error') {
      this.logger.warn(`STK query for ${checkoutRequestId} failed (${result.errorClass}): ${result.errorCode ?? '-'} ${result.errorMessage}`);
    }
    return result;
  }

  private interpretQuery(exchange: Exchange): StkQueryResult {
    // A query only reads state: any doubt means "ask again later", never a failed payment.
    if (exchange.kind === 'token-error') {
      const { error } = exchange;
      return { kind: 'error', ...error, errorClass: error.errorClass === 'token' ? 'token' : 'indeterminate' };
    }
    if (exchange.kind === 'transport') {
      return { kind: 'error', errorClass: 'indeterminate', httpStatus: null, errorCode: exchange.error.code, errorMessage: exchange.error.message };
    }
    const { status, body } = exchange;
    if (status === 200) {
      const answer = record(body);
      const resultCode = code(answer.ResultCode);
      if (resultCode === STILL_PROCESSING_RESULT) return { kind: 'processing' };
      if (resultCode !== null) return { kind: 'final', resultCode, resultDesc: text(answer.ResultDesc) ?? '' };
      return { kind: 'error', errorClass: 'indeterminate', httpStatus: 200, errorCode: code(answer.ResponseCode), errorMessage: 'STK query answer without ResultCode' };
    }
    const envelope = readErrorEnvelope(body);
    if (status === 500 && envelope.errorCode === '500.001.1001' && isBeingProcessed(envelope.errorMessage)) return { kind: 'processing' };
    const error = classifyHttpError(status, body);
    return { kind: 'error', ...error, errorClass: error.errorClass === 'retryable' ? 'indeterminate' : error.errorClass };
  }

  private authorisedPost(path: string, body: unknown): Promise<Exchange> {
    return authorisedPost({ tokens: this.tokens, http: this.http, logger: this.logger }, path, body);
  }

  private pushFailed(who: string, error: DarajaError): StkPushResult {
    this.logger.warn(`STK push for ${who} failed (${error.errorClass}): HTTP ${error.httpStatus ?? '-'} ${error.errorCode ?? '-'} ${error.errorMessage}`);
    return { kind: 'error', ...error };
  }
}
