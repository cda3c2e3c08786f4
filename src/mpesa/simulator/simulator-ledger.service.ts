// Daraja's ledger APIs over the simulator's one ledger: Transaction Status and Reversal (checked
// credential, acknowledgement now, Result POSTed later with the configured fault) and Pull
// Transactions (register, query, both paging readings). DARAJA.md, second half.
import type { KeyObject } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config';
import { InjectAppConfig } from '../../config/config.module';
import { NORMALISED_PHONE } from '../phone-number';
import { nairobiTimestamp } from '../stk-password';
import { newConversationId, newOriginatorConversationId, newReceiptNumber, newRequestId, statusPlaceholderTransactionId } from './daraja-ids';
import { DarajaReply, darajaError, invalidField, invalidToken } from './daraja-reply';
import { SimulatorCertificateStore } from './simulator-certificate.store';
import { credentialMatches } from './simulator-certificate';
import { customerName, LedgerEntry, payBillCharge, ResultDelivery, SimulatorLedgerStore } from './simulator-ledger.store';
import { SimulatorResultSender } from './simulator-result.sender';
import { SimulatorSettings } from './simulator-settings';
import { SimulatorTokenStore } from './simulator-token.store';
import { bearerToken } from './simulator-stk.service';

export const ORGANIZATION_NAME = 'SIMULATED CLINIC LTD';
const ACKNOWLEDGED = 'Accept the service request successfully.';
const SUCCESS_DESC = 'The service request is processed successfully.';

type Body = Record<string, unknown>;
const isObject = (v: unknown): v is Body => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Daraja takes these as strings or numbers. */
const textOf = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? String(v) : typeof v === 'string' ? v.trim() : '');
const isHttpUrl = (v: unknown) => typeof v === 'string' && /^https?:\/\/[^\s]+$/.test(v);
/** `YYYY-MM-DDTHH:mm:ss+03:00`, as Pull writes trxDate. */
export const nairobiIso = (ms: number) => new Date(ms + 3 * 3600_000).toISOString().slice(0, 19) + '+03:00';

interface InitiatorFields {
  initiator: string;
  credential: string;
  receipt: string;
  resultUrl: string;
  occasion: string;
}

type Verdict = { code: number | string; desc: string; transactionId: string; parameters?: { Key: string; Value?: unknown }[] };

@Injectable()
export class SimulatorLedgerService {
  private readonly logger = new Logger(SimulatorLedgerService.name);

  constructor(
    @InjectAppConfig() private readonly config: AppConfig,
    private readonly tokens: SimulatorTokenStore,
    private readonly ledger: SimulatorLedgerStore,
    private readonly settings: SimulatorSettings,
    private readonly certificate: SimulatorCertificateStore,
    private readonly results: SimulatorResultSender,
  ) {}

  async transactionStatus(authorization: string | undefined, body: unknown): Promise<DarajaReply> {
    if (!this.tokens.isValid(bearerToken(authorization))) return invalidToken();
    const checked = this.initiatorFields(body, 'TransactionStatusQuery', ['PartyA', 'IdentifierType']);
    if ('status' in checked) return checked;
    const fields = body as Body;
    if (textOf(fields.PartyA) !== this.config.mpesa.shortcode) return invalidField('PartyA');
    if (textOf(fields.IdentifierType) !== '4') return invalidField('IdentifierType');
    return this.acknowledge('transaction-status', checked, (now) => this.statusVerdict(checked, now));
  }

  async reversal(authorization: string | undefined, body: unknown): Promise<DarajaReply> {
    if (!this.tokens.isValid(bearerToken(authorization))) return invalidToken();
    // Safaricom's spelling only: the English one (ReceiverIdentifierType) is refused by name.
    const checked = this.initiatorFields(body, 'TransactionReversal', ['Amount', 'ReceiverParty', 'RecieverIdentifierType']);
    if ('status' in checked) return checked;
    const fields = body as Body;
    if (!/^\d+(\.0+)?$/.test(textOf(fields.Amount))) return invalidField('Amount');
    if (textOf(fields.ReceiverParty) !== this.config.mpesa.shortcode) return invalidField('ReceiverParty');
    if (textOf(fields.RecieverIdentifierType) !== '11') return invalidField('RecieverIdentifierType');
    const remarks = textOf(fields.Remarks);
    if (remarks.length < 2 || remarks.length > 100) return invalidField('Remarks');
    const amount = Number(textOf(fields.Amount));
    return this.acknowledge('reversal', checked, (now) => this.reversalVerdict(checked, amount, now));
  }

  pullRegister(authorization: string | undefined, body: unknown): DarajaReply {
    if (!this.tokens.isValid(bearerToken(authorization))) return invalidToken();
    if (this.settings.current.pullNotSubscribed) return notSubscribed();
    if (!isObject(body)) return invalidField('ShortCode');
    if (textOf(body.ShortCode) !== this.config.mpesa.shortcode) return invalidField('ShortCode');
    if (textOf(body.RequestType) !== 'Pull') return invalidField('RequestType');
    if (!NORMALISED_PHONE.test(textOf(body.NominatedNumber))) return invalidField('NominatedNumber');
    if (!isHttpUrl(body.CallBackURL)) return invalidField('CallBackURL');
    const shortcode = textOf(body.ShortCode);
    const known = this.ledger.pullRegistrations.has(shortcode);
    this.ledger.pullRegistrations.set(shortcode, { nominatedNumber: textOf(body.NominatedNumber), callbackUrl: body.CallBackURL as string });
    // Real answers spell these keys with spaces, and carry no ResponseCode.
    return known
      ? { status: 200, body: { ResponseRefID: newRequestId(), 'Response Status': '1001', 'Response Description': 'Shortcode already registered' } }
      : { status: 200, body: { ResponseRefID: newRequestId(), 'Response Status': '1000', 'Response Description': 'Shortcode registered successfully' } };
  }

  pullQuery(authorization: string | undefined, body: unknown, now = Date.now()): DarajaReply {
    if (!this.tokens.isValid(bearerToken(authorization))) return invalidToken();
    const { pullNotSubscribed, pullPaging, pullPageSize, pullResponseShape } = this.settings.current;
    if (pullNotSubscribed) return notSubscribed();
    if (!isObject(body) || textOf(body.ShortCode) !== this.config.mpesa.shortcode) return invalidField('ShortCode');
    const start = pullTime(body.StartDate);
    const end = pullTime(body.EndDate);
    if (start === null) return invalidField('StartDate');
    if (end === null || end < start) return invalidField('EndDate');
    const offsetText = textOf(body.OffSetValue);
    if (!/^\d+$/.test(offsetText)) return invalidField('OffSetValue');
    this.ledger.pullQueries++;
    const refKey = this.settings.current.pullRequestIdKey ? 'RequestID' : 'ResponseRefID';
    const noData = { status: 200, body: { [refKey]: newRequestId(), ResponseCode: '1001', ResponseMessage: 'No records found' } };
    // A shortcode never registered for Pull answers exactly as an empty window does.
    if (!this.ledger.pullRegistrations.has(this.config.mpesa.shortcode)) return noData;
    const rows = this.ledger.between(start, end, now).filter((e) => e.kind !== 'reversal');
    const offset = Number(offsetText);
    const first = pullPaging === 'page' ? (Math.max(offset, 1) - 1) * pullPageSize : offset;
    const page = rows.slice(first, first + pullPageSize).map((e) => this.pullRow(e));
    if (page.length === 0) return noData;
    return {
      status: 200,
      body: {
        [refKey]: newRequestId(),
        ResponseCode: '1000',
        ResponseMessage: 'Success',
        ...(pullPaging === 'page' ? { TotalPages: Math.ceil(rows.length / pullPageSize) } : {}),
        Response: pullResponseShape === 'nested' ? [page] : page,
      },
    };
  }

  /** A customer paying the paybill from the phone's menu: money in the ledger, no push, no callback. */
  manualPayment(input: unknown, now = Date.now()): LedgerEntry | string {
    if (!isObject(input)) return 'body must be a JSON object';
    const msisdn = textOf(input.phoneNumber);
    const amount = input.amount;
    if (!NORMALISED_PHONE.test(msisdn)) return 'phoneNumber must be 2547XXXXXXXX or 2541XXXXXXXX';
    if (typeof amount !== 'number' || !Number.isInteger(amount) || amount < 1 || amount > 250_000) return 'amount must be whole shillings, 1 to 250,000';
    const billReference = input.billReference === undefined ? '' : textOf(input.billReference);
    if (billReference.length > 20) return 'billReference is at most 20 characters';
    const name = input.name === undefined ? customerName(msisdn) : textOf(input.name).toUpperCase();
    const completedAt = typeof input.completedAt === 'string' && !Number.isNaN(Date.parse(input.completedAt)) ? Date.parse(input.completedAt) : now;
    const entry: LedgerEntry = {
      receipt: this.newReceipt(),
      kind: 'manual',
      amount,
      msisdn,
      name: name || customerName(msisdn),
      billReference,
      initiatedAt: completedAt,
      completedAt,
      charge: payBillCharge(amount),
      reversedBy: null,
      originalReceipt: null,
      checkoutRequestId: null,
    };
    this.ledger.add(entry);
    return entry;
  }

  newReceipt(): string {
    let receipt = newReceiptNumber();
    while (this.ledger.has(receipt)) receipt = newReceiptNumber();
    return receipt;
  }

  /** Paybill balance after every completed entry: payments less their charges, less reversals. */
  balance(now = Date.now()): number {
    const cents = this.ledger.all(now).reduce((sum, e) => sum + Math.round((e.kind === 'reversal' ? -e.amount : e.amount - e.charge) * 100), 0);
    return cents / 100;
  }

  private initiatorFields(body: unknown, commandId: string, more: string[]): InitiatorFields | DarajaReply {
    if (!isObject(body)) return invalidField('Initiator');
    for (const name of ['Initiator', 'SecurityCredential', 'CommandID', 'TransactionID', ...more, 'ResultURL', 'QueueTimeOutURL', 'Remarks']) {
      if (textOf(body[name]) === '') return invalidField(name);
    }
    if (textOf(body.CommandID) !== commandId) return invalidField('CommandID');
    if (!isHttpUrl(body.ResultURL)) return invalidField('ResultURL');
    if (!isHttpUrl(body.QueueTimeOutURL)) return invalidField('QueueTimeOutURL');
    if (textOf(body.Remarks).length > 100) return invalidField('Remarks');
    const occasion = body.Occasion === undefined ? '' : textOf(body.Occasion);
    if (occasion.length > 100) return invalidField('Occasion');
    return {
      initiator: textOf(body.Initiator),
      credential: textOf(body.SecurityCredential),
      receipt: textOf(body.TransactionID).toUpperCase(),
      resultUrl: body.ResultURL as string,
      occasion,
    };
  }

  /**
   * The acknowledgement says only "queued": the credential is checked when the verdict is made.
   * The verdict is made now (the ledger as it is at the request) and delivered per `resultFault`.
   */
  private async acknowledge(kind: ResultDelivery['kind'], fields: InitiatorFields, verdictOf: (now: number) => Verdict): Promise<DarajaReply> {
    const at = new Date();
    const conversationId = newConversationId(at);
    const originatorConversationId = newOriginatorConversationId();
    const { privateKey } = await this.certificate.keyPair();
    const verdict = this.credentialVerdict(fields, privateKey, at) ?? verdictOf(at.getTime());
    const docs = this.settings.current.resultStyle === 'docs';
    // The docs show every value as a string; production sends numbers where they are numbers.
    const styled = (value: unknown) => (docs && typeof value === 'number' ? String(value) : value);
    const result: Body = {
      ResultType: styled(0),
      ResultCode: styled(verdict.code),
      ResultDesc: verdict.desc,
      OriginatorConversationID: originatorConversationId,
      ConversationID: conversationId,
      TransactionID: verdict.transactionId,
    };
    if (verdict.parameters) {
      result.ResultParameters = {
        ResultParameter: verdict.parameters.map((p) => {
          if (p.Key === 'OriginatorConversationID') return { ...p, Value: originatorConversationId };
          if (p.Key === 'ConversationID') return { ...p, Value: conversationId };
          return 'Value' in p ? { ...p, Value: styled(p.Value) } : p;
        }),
      };
    }
    if (kind === 'transaction-status') result.ReferenceData = { ReferenceItem: { Key: 'Occasion', Value: fields.occasion } };
    const fault = this.settings.current.resultFault;
    const delivery: ResultDelivery = { kind, conversationId, originatorConversationId, resultUrl: fields.resultUrl, resultCode: String(verdict.code), deliveries: [], fault };
    this.ledger.recordResult(delivery);
    const body = { Result: result };
    const delayMs = this.settings.current.callbackDelayMs;
    if (fault === 'before-ack') await this.results.deliver(delivery, body);
    else if (fault === 'none') this.results.schedule(delivery, body, delayMs);
    else if (fault === 'twice') this.results.schedule(delivery, body, delayMs, 2);
    else if (fault === 'late') this.results.schedule(delivery, body, this.settings.lateDelayMs);
    this.logger.log(`Simulator queued a ${kind} request for ${fields.receipt}: result ${String(verdict.code)} (${fault})`);
    return {
      status: 200,
      body: {
        [this.settings.current.misspelledAcknowledgement ? 'OriginatorCoversationID' : 'OriginatorConversationID']: originatorConversationId,
        ConversationID: conversationId,
        ResponseCode: '0',
        ResponseDescription: ACKNOWLEDGED,
      },
    };
  }

  /** 2001 for a wrong initiator or credential; after `initiatorLockAfter` of them in a row, 8006 until reset. */
  private credentialVerdict(fields: InitiatorFields, privateKey: KeyObject, at: Date): Verdict | null {
    const transactionId = statusPlaceholderTransactionId(at);
    if (this.ledger.failedCredentials >= this.settings.current.initiatorLockAfter) {
      return { code: 8006, desc: 'The security credential is locked.', transactionId };
    }
    const { initiatorName, initiatorPassword } = this.config.simulator;
    const good = fields.initiator === initiatorName && credentialMatches(fields.credential, privateKey, initiatorPassword);
    if (good) {
      this.ledger.failedCredentials = 0;
      return null;
    }
    this.ledger.failedCredentials++;
    return { code: 2001, desc: 'The initiator information is invalid.', transactionId };
  }

  private statusVerdict(fields: InitiatorFields, now: number): Verdict {
    const transactionId = statusPlaceholderTransactionId(new Date(now));
    const entry = this.ledger.visible(fields.receipt, now);
    if (!entry) return { code: 2032, desc: 'The transaction receipt number does not exist.', transactionId };
    const { shortcode } = this.config.mpesa;
    const reasonType = entry.kind === 'stk' ? 'Pay Bill Online' : entry.kind === 'manual' ? 'Pay Bill' : 'Pay Bill Reversal';
    return {
      code: 0,
      desc: SUCCESS_DESC,
      transactionId,
      parameters: [
        // The 07 form and the irregular double space are what production sends.
        { Key: 'DebitPartyName', Value: `0${entry.msisdn.slice(3)} - ${entry.name.replace(' ', '  ')}` },
        { Key: 'CreditPartyName', Value: `${shortcode} -  ${ORGANIZATION_NAME}` },
        { Key: 'OriginatorConversationID', Value: '' },
        { Key: 'InitiatedTime', Value: Number(nairobiTimestamp(new Date(entry.initiatedAt))) },
        { Key: 'CreditPartyCharges' },
        { Key: 'DebitAccountType', Value: 'MMF Account For Customer' },
        { Key: 'TransactionReason' },
        { Key: 'ReasonType', Value: reasonType },
        // What Daraja reports for a reversed receipt is unpublished; the simulator says `Reversed`.
        { Key: 'TransactionStatus', Value: entry.reversedBy ? 'Reversed' : 'Completed' },
        { Key: 'FinalisedTime', Value: Number(nairobiTimestamp(new Date(entry.completedAt))) },
        { Key: 'Amount', Value: entry.amount },
        { Key: 'ConversationID', Value: '' },
        { Key: 'ReceiptNo', Value: entry.receipt },
      ],
    };
  }

  private reversalVerdict(fields: InitiatorFields, amount: number, now: number): Verdict {
    const placeholder = statusPlaceholderTransactionId(new Date(now));
    const original = this.ledger.visible(fields.receipt, now);
    if (!original || original.kind === 'reversal') return { code: 'R000002', desc: 'The OriginalTransactionID is invalid.', transactionId: placeholder };
    if (original.reversedBy) return { code: 'R000001', desc: 'The transaction has already been reversed.', transactionId: placeholder };
    // Partial reversals are undocumented: the simulator takes the full amount only.
    if (amount !== original.amount) return { code: 'R000002', desc: 'The amount does not match the original transaction.', transactionId: placeholder };
    const receipt = this.newReceipt();
    const reversal: LedgerEntry = {
      receipt,
      kind: 'reversal',
      amount: original.amount,
      msisdn: original.msisdn,
      name: original.name,
      billReference: original.billReference,
      initiatedAt: now,
      completedAt: now,
      charge: 0,
      reversedBy: null,
      originalReceipt: original.receipt,
      checkoutRequestId: null,
    };
    original.reversedBy = receipt;
    this.ledger.add(reversal);
    const balance = this.balance(now).toFixed(2);
    return {
      code: 0,
      desc: SUCCESS_DESC,
      transactionId: receipt,
      parameters: [
        { Key: 'DebitAccountBalance', Value: `Utility Account|KES|${balance}|${balance}|0.00|0.00` },
        { Key: 'Amount', Value: original.amount },
        { Key: 'TransCompletedTime', Value: Number(nairobiTimestamp(new Date(now))) },
        { Key: 'OriginalTransactionID', Value: original.receipt },
        { Key: 'Charge', Value: 0 },
        { Key: 'CreditPartyPublicName', Value: `${original.msisdn} - ${original.name}` },
        { Key: 'DebitPartyPublicName', Value: `${this.config.mpesa.shortcode} - ${ORGANIZATION_NAME}` },
      ],
    };
  }

  private pullRow(e: LedgerEntry): Record<string, unknown> {
    return {
      transactionId: e.receipt,
      trxDate: nairobiIso(e.completedAt),
      msisdn: Number(e.msisdn),
      sender: e.name,
      transactiontype: 'c2b-pay-bill-debit',
      billreference: e.billReference,
      amount: e.amount.toFixed(2),
      organizationname: ORGANIZATION_NAME,
    };
  }
}

function notSubscribed(): DarajaReply {
  return darajaError(401, '401.001', 'Invalid Access Token');
}

/** `YYYY-MM-DD HH:mm:ss` in Nairobi time → epoch ms. */
function pullTime(value: unknown): number | null {
  const m = typeof value === 'string' ? /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$/.exec(value.trim()) : null;
  if (!m) return null;
  const ms = Date.parse(`${m[1]}T${m[2]}+03:00`);
  return Number.isNaN(ms) ? null : ms;
}
