// Which behaviour a phone number gets. Scenario numbers are 254700000NNN; every other number succeeds.

export type CallbackFault = 'none' | 'never' | 'twice' | 'late' | 'before-answer';
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

export function scenarioForPhone(msisdn: string): SimulatorScenario {
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
