// Every variant DARAJA.md's "tolerate" lists name for initiator acknowledgements and results.
import {
  DarajaResultParseError,
  nairobiTimeToIso,
  parseDarajaResult,
  parseInitiatorAcknowledgement,
  readReversalResult,
  readTransactionStatusResult,
  resultIdentifiers,
  splitPartyName,
} from './daraja-result.parser';

const statusSuccess = () => ({
  Result: {
    ResultType: 0,
    ResultCode: 0,
    ResultDesc: 'The service request is processed successfully.',
    OriginatorConversationID: '5118-111210482-1',
    ConversationID: 'AG_20260602_2010325b025970fbc403',
    TransactionID: 'UF20000000',
    ResultParameters: {
      ResultParameter: [
        { Key: 'DebitPartyName', Value: '0712345678 - JANE  WANJIKU MWANGI' },
        { Key: 'CreditPartyName', Value: '600984 -  ACME LTD' },
        { Key: 'OriginatorConversationID', Value: '5118-111210482-1' },
        { Key: 'InitiatedTime', Value: 20260601193604 },
        { Key: 'FinalisedTime', Value: 20260601193604 },
        { Key: 'CreditPartyCharges' },
        { Key: 'DebitAccountType', Value: 'MMF Account For Customer' },
        { Key: 'TransactionReason' },
        { Key: 'ReasonType', Value: 'Pay Bill Online' },
        { Key: 'TransactionStatus', Value: 'Completed' },
        { Key: 'Amount', Value: 450.0 },
        { Key: 'ConversationID', Value: 'AG_20260602_2010325b025970fbc403' },
        { Key: 'ReceiptNo', Value: 'UF1AB2CD3E' },
      ],
    },
    ReferenceData: { ReferenceItem: { Key: 'Occasion', Value: 'verify' } },
  },
});

describe('parseDarajaResult', () => {
  it('reads a Transaction Status success by Key, items without a Value kept as null', () => {
    const parsed = parseDarajaResult(statusSuccess());
    expect(parsed).toMatchObject({ resultType: '0', resultCode: '0', conversationId: 'AG_20260602_2010325b025970fbc403', originatorConversationId: '5118-111210482-1', transactionId: 'UF20000000' });
    expect(Object.keys(parsed.parameters)).toHaveLength(13);
    expect(parsed.parameters.CreditPartyCharges).toBeNull();
    expect(parsed.parameters.TransactionReason).toBeNull();
    expect(parsed.referenceData).toEqual({ Occasion: 'verify' });
  });

  it('reads numeric codes sent as numbers or strings, and text codes as they are', () => {
    const withCode = (code: unknown) => ({ Result: { ...statusSuccess().Result, ResultCode: code } });
    expect(parseDarajaResult(withCode(2032)).resultCode).toBe('2032');
    expect(parseDarajaResult(withCode('2032')).resultCode).toBe('2032');
    expect(parseDarajaResult(withCode(' R000001 ')).resultCode).toBe('R000001');
    expect(parseDarajaResult(withCode('SFC_IC0003')).resultCode).toBe('SFC_IC0003');
    expect(() => parseDarajaResult(withCode(''))).toThrow(DarajaResultParseError);
    expect(() => parseDarajaResult(withCode(null))).toThrow(DarajaResultParseError);
  });

  it('takes a single ResultParameter object instead of a list', () => {
    const body = { Result: { ...statusSuccess().Result, ResultParameters: { ResultParameter: { Key: 'ReceiptNo', Value: 'UF1AB2CD3E' } } } };
    expect(parseDarajaResult(body).parameters).toEqual({ ReceiptNo: 'UF1AB2CD3E' });
  });

  it('has no parameters on a failure without ResultParameters', () => {
    const body = { Result: { ResultType: 0, ResultCode: 2032, ResultDesc: 'The transaction receipt number does not exist.', OriginatorConversationID: 'o-1', ConversationID: 'AG_1', TransactionID: 'UF20000000' } };
    const parsed = parseDarajaResult(body);
    expect(parsed.parameters).toEqual({});
    expect(readTransactionStatusResult(parsed)).toMatchObject({ resultCode: '2032', found: false, receipt: null, amount: null });
  });

  it('reads keys spelled with spaces or another case, and the OriginatorCoversationID misspelling', () => {
    const body = { result: { 'Result Code': '0', 'Result Desc': 'ok', 'Originator Coversation ID': 'o-2', conversationid: 'AG_2', 'Result Parameters': { 'Result Parameter': [{ Key: 'ReceiptNo', Value: 'UF1AB2CD3E' }] } } };
    const parsed = parseDarajaResult(body);
    expect(parsed).toMatchObject({ resultCode: '0', resultDesc: 'ok', originatorConversationId: 'o-2', conversationId: 'AG_2', parameters: { ReceiptNo: 'UF1AB2CD3E' } });
  });

  it('accepts the raw body as text or bytes, and refuses what is not a Result', () => {
    const raw = JSON.stringify(statusSuccess());
    expect(parseDarajaResult(raw).resultCode).toBe('0');
    expect(parseDarajaResult(Buffer.from(raw)).resultCode).toBe('0');
    expect(() => parseDarajaResult('{not json')).toThrow('body is not JSON');
    expect(() => parseDarajaResult({ Body: {} })).toThrow('Result is missing');
    expect(() => parseDarajaResult({ Result: { ResultCode: 0 } })).toThrow('neither ConversationID nor OriginatorConversationID');
  });
});

describe('resultIdentifiers', () => {
  it('finds either id, and nothing in a body without them', () => {
    expect(resultIdentifiers(statusSuccess())).toEqual({ conversationId: 'AG_20260602_2010325b025970fbc403', originatorConversationId: '5118-111210482-1' });
    expect(resultIdentifiers({ Result: { ConversationID: 'AG_1' } })).toEqual({ conversationId: 'AG_1', originatorConversationId: null });
    expect(resultIdentifiers({ Result: { OriginatorCoversationID: 'o-1' } })).toEqual({ conversationId: null, originatorConversationId: 'o-1' });
    expect(resultIdentifiers({ Result: { ResultCode: 0 } })).toBeNull();
    expect(resultIdentifiers({ ConversationID: 'AG_1' })).toBeNull();
    expect(resultIdentifiers('not json')).toBeNull();
    expect(resultIdentifiers(null)).toBeNull();
  });
});

describe('readTransactionStatusResult', () => {
  it('gives receipt, amount, payer and times; never the envelope TransactionID as receipt', () => {
    const outcome = readTransactionStatusResult(parseDarajaResult(statusSuccess()));
    expect(outcome).toEqual({
      resultCode: '0',
      resultDesc: 'The service request is processed successfully.',
      found: true,
      receipt: 'UF1AB2CD3E',
      amount: 450,
      debitParty: { identifier: '0712345678', name: 'JANE WANJIKU MWANGI' },
      creditParty: { identifier: '600984', name: 'ACME LTD' },
      transactionStatus: 'Completed',
      reasonType: 'Pay Bill Online',
      initiatedAt: '2026-06-01T16:36:04.000Z',
      finalisedAt: '2026-06-01T16:36:04.000Z',
    });
  });

  it('reads times and amounts sent as strings (the docs) as well as numbers (production)', () => {
    const body = statusSuccess();
    const params = body.Result.ResultParameters.ResultParameter as { Key: string; Value?: unknown }[];
    for (const p of params) if (p.Key === 'InitiatedTime' || p.Key === 'Amount') p.Value = String(p.Value);
    const outcome = readTransactionStatusResult(parseDarajaResult(body));
    expect(outcome.initiatedAt).toBe('2026-06-01T16:36:04.000Z');
    expect(outcome.amount).toBe(450);
  });
});

describe('readReversalResult', () => {
  it('takes the new receipt from the envelope and the original from the parameters', () => {
    const body = {
      Result: {
        ResultType: '0', ResultCode: '0', ResultDesc: 'ok', OriginatorConversationID: 'o-3', ConversationID: 'AG_3', TransactionID: 'UF2REVERSE1',
        ResultParameters: { ResultParameter: [
          { Key: 'DebitAccountBalance', Value: 'Utility Account|KES|98120.00|98120.00|0.00|0.00' },
          { Key: 'Amount', Value: '450.00' },
          { Key: 'TransCompletedTime', Value: '20260602101500' },
          { Key: 'OriginalTransactionID', Value: 'UF1AB2CD3E' },
          { Key: 'Charge', Value: 0 },
          { Key: 'CreditPartyPublicName', Value: '254712345678 - JANE WANJIKU MWANGI' },
          { Key: 'DebitPartyPublicName', Value: '174379 - ACME LTD' },
        ] },
      },
    };
    expect(readReversalResult(parseDarajaResult(body))).toEqual({
      resultCode: '0', resultDesc: 'ok', reversed: true, alreadyReversed: false, reversalReceipt: 'UF2REVERSE1', originalReceipt: 'UF1AB2CD3E', amount: 450, charge: 0, completedAt: '2026-06-02T07:15:00.000Z',
    });
  });

  it('recognises R000001 and gives no reversal receipt for a refusal', () => {
    const body = { Result: { ResultCode: 'R000001', ResultDesc: 'The transaction has already been reversed', ConversationID: 'AG_4', OriginatorConversationID: 'o-4', TransactionID: 'UF20000000' } };
    expect(readReversalResult(parseDarajaResult(body))).toMatchObject({ reversed: false, alreadyReversed: true, reversalReceipt: null });
  });
});

describe('parseInitiatorAcknowledgement', () => {
  it('reads the acknowledgement in both spellings of its first key', () => {
    const ack = { OriginatorConversationID: 'o-5', ConversationID: 'AG_5', ResponseCode: '0', ResponseDescription: 'Accept the service request successfully.' };
    expect(parseInitiatorAcknowledgement(ack)).toEqual({ originatorConversationId: 'o-5', conversationId: 'AG_5', responseCode: '0', responseDescription: 'Accept the service request successfully.' });
    const { OriginatorConversationID, ...rest } = ack;
    expect(parseInitiatorAcknowledgement({ ...rest, OriginatorCoversationID: OriginatorConversationID, ResponseCode: 0 })).toMatchObject({ originatorConversationId: 'o-5', responseCode: '0' });
    expect(parseInitiatorAcknowledgement({ ResponseCode: '0' })).toBeNull();
    expect(parseInitiatorAcknowledgement('x')).toBeNull();
  });
});

describe('helpers', () => {
  it('splits party names with irregular spaces, a bare number, or no number', () => {
    expect(splitPartyName('254712345678 - JANE   W')).toEqual({ identifier: '254712345678', name: 'JANE W' });
    expect(splitPartyName(254712345678)).toEqual({ identifier: '254712345678', name: null });
    expect(splitPartyName('ACME LTD')).toEqual({ identifier: null, name: 'ACME LTD' });
    expect(splitPartyName(null)).toEqual({ identifier: null, name: null });
  });

  it('reads Nairobi times and refuses anything else', () => {
    expect(nairobiTimeToIso(20260101000000)).toBe('2025-12-31T21:00:00.000Z');
    expect(nairobiTimeToIso('2026-01-01')).toBeNull();
    expect(nairobiTimeToIso(null)).toBeNull();
  });
});
