// Which payment meets which fault: exact shares of the run, shuffled with a seeded generator so a
// run can be repeated. Each payment gets a composed simulator number (2547001RSFxx, see
// src/mpesa/simulator/simulator-scenarios.ts) and an amount of its own, so phone and amount are
// unique together (what matching a callback to a push whose answer was lost relies on), except for
// a share of twins: a referral that shares its phone and amount with the one before it (a patient
// with two referrals, one phone paying for a family), where no such guess may be made.

export type PushFault =
  | 'none'
  | 'callback-lost'
  | 'callback-doubled'
  | 'callback-before-answer'
  | 'answer-lost'
  /** the status query says 1032 "cancelled" though the customer paid; the success callback comes late */
  | 'query-says-cancelled'
  /** the prompt outlives PAYMENT_EXPIRY_S: the success callback comes after the payment expired */
  | 'callback-after-expiry'
  /** the customer pays, but neither the push's answer nor the callback ever comes: only M-Pesa's ledger knows */
  | 'answer-and-callback-lost';

/** F digit of the composed number. */
const FAULT_DIGIT: Record<PushFault, string> = {
  none: '0',
  'callback-lost': '1',
  'callback-doubled': '2',
  'callback-before-answer': '4',
  'answer-lost': '5',
  'query-says-cancelled': '7',
  'callback-after-expiry': '8',
  'answer-and-callback-lost': '9',
};

/** Shares of the payments, as the issue asks: pushes first refused with spike arrest, and one fault each. */
export const SHARES = {
  spikeArrest: 0.2,
  faults: {
    'callback-lost': 0.1,
    'callback-doubled': 0.1,
    'callback-before-answer': 0.05,
    'answer-lost': 0.05,
    'query-says-cancelled': 0.03,
    'callback-after-expiry': 0.03,
    // Settled by the ledger sweep (Pull Transactions, billreference = the payment's AccountReference).
    'answer-and-callback-lost': 0.03,
  } as Record<Exclude<PushFault, 'none'>, number>,
  /** referrals with the same phone and amount as the referral before them (faults and answers alike) */
  twins: 0.1,
  /** customers who do not pay (the R digit 1-9: insufficient funds, cancelled, unreachable, ...) */
  declined: 0.25,
};

export interface PlannedPayment {
  index: number;
  phone: string;
  amount: number;
  /** spike-arrest refusals before the push is accepted (0 = none) */
  spikeArrests: number;
  fault: PushFault;
  /** 0 pays; 1-9 the failure numbers 101-109 */
  resultDigit: number;
  /** the payment whose phone and amount (and so scenario) this one shares, or null */
  twinOf: number | null;
}

/** mulberry32: small, fast, good enough to shuffle test cases reproducibly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(items: T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** `count` labels: exact shares (rounded), the rest `fallback`, in random order. */
function dealt<T>(count: number, shares: [T, number][], fallback: T, random: () => number): T[] {
  const labels: T[] = [];
  for (const [label, share] of shares) labels.push(...Array<T>(Math.round(count * share)).fill(label));
  while (labels.length < count) labels.push(fallback);
  return shuffled(labels.slice(0, count), random);
}

/** Payments from `twinsBefore` on are never twins (the run's spares for its probes). */
export function planPayments(count: number, seed: number, twinsBefore = count): PlannedPayment[] {
  const random = seededRandom(seed);
  const faults = dealt<PushFault>(count, Object.entries(SHARES.faults) as [PushFault, number][], 'none', random);
  const spiked = dealt<boolean>(count, [[true, SHARES.spikeArrest]], false, random);
  const declined = dealt<boolean>(count, [[true, SHARES.declined]], false, random);
  const twinned = dealt<boolean>(count, [[true, SHARES.twins]], false, random);
  const plan: PlannedPayment[] = [];
  for (let index = 0; index < count; index++) {
    const before = plan[index - 1];
    // A twin copies the one before it, unless that one is a twin itself (pairs, not chains).
    if (twinned[index] && index < twinsBefore && before && before.twinOf === null) {
      plan.push({ ...before, index, twinOf: before.index });
      continue;
    }
    const spikeArrests = spiked[index] ? 1 + (index % 2) : 0; // once or twice
    const resultDigit = declined[index] ? 1 + Math.floor(random() * 9) : 0;
    const fault = faults[index];
    const phone = `2547001${resultDigit}${spikeArrests}${FAULT_DIGIT[fault]}${String(index % 100).padStart(2, '0')}`;
    // Unique per payment but for twins: with the phone, a lost push answer's callback matches exactly one payment.
    plan.push({ index, phone, amount: 10 + index, spikeArrests, fault, resultDigit, twinOf: null });
  }
  return plan;
}

export function countPlan(plan: PlannedPayment[]) {
  const by = (predicate: (p: PlannedPayment) => boolean) => plan.filter(predicate).length;
  return {
    payments: plan.length,
    spikeArrestFirst: by((p) => p.spikeArrests > 0),
    callbackLost: by((p) => p.fault === 'callback-lost'),
    callbackDoubled: by((p) => p.fault === 'callback-doubled'),
    callbackBeforeAnswer: by((p) => p.fault === 'callback-before-answer'),
    answerLost: by((p) => p.fault === 'answer-lost'),
    querySaysCancelled: by((p) => p.fault === 'query-says-cancelled'),
    callbackAfterExpiry: by((p) => p.fault === 'callback-after-expiry'),
    answerAndCallbackLost: by((p) => p.fault === 'answer-and-callback-lost'),
    twins: by((p) => p.twinOf !== null),
    customerDeclines: by((p) => p.resultDigit !== 0),
  };
}
