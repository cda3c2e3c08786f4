// Which behaviour a phone number gets. Scenario numbers are 254700000NNN and the composed
// 2547001RSFxx; every other number succeeds.

export type CallbackFault = 'none' | 'never' | 'twice' | 'late' | 'before-answer' | 'after-expiry';
export type AnswerFault = 'none' | 'never' | 'late';
export type ProcessingForm = 'http-500' | 'result-4999';

export interface Refusal {
  httpStatus: number;
  errorCode: string;
  errorMessage: string;
  /** how many pushes for the same phone and AccountReference are refused before one is accepted; 0 = always */
  times: number;
}

export interface SimulatorScenario {
  code: string;
  name: string;
  resultCode: number | string;
  resultDesc: string;
  callback: CallbackFault;
  answer: AnswerFault;
  refusal: Refusal | null;
  /** how STK Query says "not final yet" */
  processingForm: ProcessingForm;
  /** the customer takes as long as a late callback to act, so queries see "processing" for a while */
  slowPrompt: boolean;
  /** the first STK Query for the transaction is refused with spike arrest */
  firstQueryRefused: boolean;
  /**
   * STK Query answers 1032 "cancelled" although the customer paid (the sandbox is known to do this):
   * only the (late) success callback tells the truth
   */
  queryLiesCancelled: boolean;
}

export const SCENARIO_PREFIX = '254700000';
const SUCCESS_DESC = 'The service request is processed successfully.';

const base: SimulatorScenario = {
  code: '000',
  name: 'success',
  resultCode: 0,
  resultDesc: SUCCESS_DESC,
  callback: 'none',
  answer: 'none',
  refusal: null,
  processingForm: 'http-500',
  slowPrompt: false,
  firstQueryRefused: false,
  queryLiesCancelled: false,
};

const scenario = (code: string, name: string, changes: Partial<SimulatorScenario>): SimulatorScenario => ({ ...base, code, name, ...changes });
const failure = (code: string, name: string, resultCode: number | string, resultDesc: string) =>
  scenario(code, name, { resultCode, resultDesc });

const REFUSALS: Record<string, Omit<Refusal, 'times'> & { name: string }> = {
  '1': { name: 'spike-arrest', httpStatus: 500, errorCode: '500.003.02', errorMessage: 'Error Occurred: Spike Arrest Violation' },
  '2': { name: 'system-busy', httpStatus: 500, errorCode: '500.003.02', errorMessage: 'System is busy. Please try again in few minutes.' },
  '3': {
    name: 'lock-subscriber',
    httpStatus: 500,
    errorCode: '500.001.1001',
    errorMessage: 'Unable to lock subscriber, a transaction is already in process for the current subscriber',
  },
  '4': { name: 'quota-violation', httpStatus: 500, errorCode: '500.003.03', errorMessage: 'Quota Violation' },
  '5': { name: 'internal-error', httpStatus: 500, errorCode: '500.003.1001', errorMessage: 'Internal Server Error' },
};

/** The fixed scenarios; 3KN (refusal K, N times) is computed, see refusalScenario. */
export const FIXED_SCENARIOS: readonly SimulatorScenario[] = [
  base,
  failure('101', 'insufficient-funds', 1, 'The balance is insufficient for the transaction.'),
  failure('102', 'cancelled', 1032, 'Request cancelled by user'),
  failure('103', 'unreachable', 1037, 'DS timeout user cannot be reached'),
  failure('104', 'wrong-pin', 2001, 'The initiator information is invalid.'),
  failure('105', 'expired', 1019, 'Transaction has expired'),
  failure('106', 'rule-limited', 17, 'Rule limited.'),
  failure('107', 'push-failed', 1025, 'An error occurred while sending a push request.'),
  failure('108', 'operator-missing', 'SFC_IC0003', 'The operator does not exist.'),
  failure('109', 'pin-locked', 8006, 'The security credential is locked.'),
  scenario('201', 'callback-never-sent', { callback: 'never' }),
  scenario('202', 'callback-sent-twice', { callback: 'twice' }),
  scenario('203', 'callback-late', { callback: 'late' }),
  scenario('204', 'callback-before-answer', { callback: 'before-answer' }),
  // A failure only the status query can find: the customer cancelled and the callback was lost.
  scenario('205', 'failure-callback-never-sent', { resultCode: 1032, resultDesc: 'Request cancelled by user', callback: 'never' }),
  scenario('401', 'merchant-does-not-exist', {
    refusal: { httpStatus: 500, errorCode: '500.001.1001', errorMessage: 'Merchant does not exist', times: 0 },
  }),
  scenario('402', 'wrong-credentials', {
    refusal: { httpStatus: 500, errorCode: '500.001.1001', errorMessage: 'Wrong credentials', times: 0 },
  }),
  scenario('501', 'answer-never-sent', { answer: 'never' }),
  scenario('502', 'answer-after-client-timeout', { answer: 'late' }),
  scenario('601', 'query-processing-http-500', { slowPrompt: true, processingForm: 'http-500' }),
  scenario('602', 'query-processing-4999', { slowPrompt: true, processingForm: 'result-4999' }),
  scenario('603', 'query-spike-arrest-first', { firstQueryRefused: true }),
];

const BY_CODE = new Map(FIXED_SCENARIOS.map((s) => [s.code, s]));

/** 3KN: refusal kind K (1-5) for the first N pushes (1-9) of a phone + AccountReference, then accepted; N = 0 refuses forever. */
export function refusalScenario(code: string): SimulatorScenario | null {
  const match = /^3([1-5])(\d)$/.exec(code);
  if (!match) return null;
  const { name, ...refusal } = REFUSALS[match[1]];
  const times = Number(match[2]);
  return scenario(code, times === 0 ? `${name}-always` : `${name}-x${times}`, { refusal: { ...refusal, times } });
}

/**
 * Composed numbers 2547001RSFxx, for runs that need many distinct numbers with mixed outcomes: R the
 * customer's answer (0 pays, 1-9 as the failure numbers 101-109), S spike-arrest refusals before the
 * push is accepted (0 none, 1-9), F one fault (0 none, 1 callback never sent, 2 sent twice, 3 late,
 * 4 before the push's answer, 5 the push's answer never comes, 6 answered after the client's
 * timeout, 7 STK Query says 1032 "cancelled" although the customer paid and the callback comes late,
 * 8 the prompt outlives the service's PAYMENT_EXPIRY_S: queries say "processing" and the callback
 * comes 5 s after the payment expired, 9 neither the push's answer nor the callback ever comes: only
 * M-Pesa's ledger knows), xx anything (so one combination has a hundred numbers).
 */
export const COMPOSED_PREFIX = '2547001';

const COMPOSED_FAULTS: Record<string, { name: string; changes: Partial<SimulatorScenario> }> = {
  '0': { name: '', changes: {} },
  '1': { name: 'callback-never-sent', changes: { callback: 'never' } },
  '2': { name: 'callback-sent-twice', changes: { callback: 'twice' } },
  '3': { name: 'callback-late', changes: { callback: 'late' } },
  '4': { name: 'callback-before-answer', changes: { callback: 'before-answer' } },
  '5': { name: 'answer-never-sent', changes: { answer: 'never' } },
  '6': { name: 'answer-after-client-timeout', changes: { answer: 'late' } },
  '7': { name: 'query-says-cancelled+callback-late', changes: { queryLiesCancelled: true, callback: 'late' } },
  '8': { name: 'callback-after-expiry', changes: { slowPrompt: true, callback: 'after-expiry' } },
  '9': { name: 'answer-and-callback-never-sent', changes: { answer: 'never', callback: 'never' } },
};

export function composedScenario(msisdn: string): SimulatorScenario | null {
  const match = /^2547001(\d)(\d)(\d)\d\d$/.exec(msisdn);
  if (!match) return null;
  const [, result, refusals, fault] = match;
  const outcome = result === '0' ? base : (BY_CODE.get(`10${result}`) as SimulatorScenario);
  const times = Number(refusals);
  const { name: spikeName, ...spike } = REFUSALS['1'];
  const { name: faultName, changes } = COMPOSED_FAULTS[fault];
  const name = [outcome.name, times > 0 ? `${spikeName}-x${times}` : '', faultName].filter(Boolean).join('+');
  return {
    ...outcome,
    code: msisdn.slice(-6),
    name,
    refusal: times > 0 ? { ...spike, times } : null,
    ...changes,
  };
}

export function scenarioForPhone(msisdn: string): SimulatorScenario {
  const composed = composedScenario(msisdn);
  if (composed) return composed;
  if (!msisdn.startsWith(SCENARIO_PREFIX) || msisdn.length !== 12) return base;
  const code = msisdn.slice(SCENARIO_PREFIX.length);
  return BY_CODE.get(code) ?? refusalScenario(code) ?? base;
}

/** For GET /simulator/scenarios: every number that does something other than succeed. */
export function describeScenarios(): { phoneNumber: string; name: string; resultCode: string }[] {
  const refusalCodes = Object.keys(REFUSALS).flatMap((k) => ['0', '1', '2', '3'].map((n) => `3${k}${n}`));
  return [...FIXED_SCENARIOS, ...refusalCodes.map((c) => refusalScenario(c) as SimulatorScenario)].map((s) => ({
    phoneNumber: `${SCENARIO_PREFIX}${s.code}`,
    name: s.name,
    resultCode: String(s.resultCode),
  }));
}
