// Shared steps of the payment tests: a referral walked to pending-payment, waiting for outcomes,
// and reading the simulator's ground truth.
import { api } from './http';
import type { TestApp } from './test-app';
import { waitFor } from './wait-for';

export interface PaymentBody {
  id: string;
  referralId: string;
  status: 'pending' | 'completed' | 'failed';
  stkRequestId: string | null;
  mpesaTransactionId: string | null;
  resultCode: string | null;
  resultDesc: string | null;
  errorMessage: string | null;
  attempts: number;
  amount: number;
  phoneNumber: string;
  retryOf: string | null;
  accountReference: string;
  updatedAt: string;
  events?: { type: string; fromStatus: string | null; toStatus: string | null; source: string; detail: Record<string, unknown> }[];
}

export function paymentFlow(t: TestApp) {
  const http = api(t);

  async function referralInPendingPayment(phone: string, extra: object = {}): Promise<string> {
    const created = await http.post('/api/referrals', { patientName: 'Test Patient', ...extra });
    if (created.status !== 201) throw new Error(`create referral: ${created.status} ${JSON.stringify(created.body)}`);
    const id = created.body.id as string;
    await http.patch(`/api/referrals/${id}/status`, { status: 'awaiting-biodata' }, 'admin').expect(200);
    await http.patch(`/api/referrals/${id}/status`, { status: 'pending-payment', stkPhoneNumber: phone }).expect(200);
    return id;
  }

  async function paymentsOf(referralId: string): Promise<PaymentBody[]> {
    const res = await http.get(`/api/referrals/${referralId}/payments`);
    if (res.status !== 200) throw new Error(`list payments: ${res.status}`);
    return res.body;
  }

  async function payment(id: string): Promise<PaymentBody> {
    return (await http.get(`/api/payments/${id}`)).body;
  }

  async function finalPayment(id: string, timeoutMs = 20_000): Promise<PaymentBody> {
    return waitFor(async () => {
      const p = await payment(id);
      return p.status !== 'pending' ? p : null;
    }, `payment ${id} to reach a final status`, timeoutMs);
  }

  async function onlyPayment(referralId: string): Promise<PaymentBody> {
    const payments = await waitFor(async () => {
      const list = await paymentsOf(referralId);
      return list.length > 0 ? list : null;
    }, 'a payment for the referral');
    if (payments.length !== 1) throw new Error(`expected one payment, got ${payments.length}`);
    return payments[0];
  }

  async function groundTruth() {
    const res = await http.raw.get('/simulator/transactions');
    return res.body as {
      pushes: { outcome: string; accountReference: string | null; checkoutRequestId: string | null; phoneNumber: string | null }[];
      transactions: { checkoutRequestId: string; status: string; resultCode: string; accountReference: string; mpesaReceiptNumber: string | null; queryCount: number; amount: number; phoneNumber: string; callbacks: unknown[] }[];
      acceptedPushesByAccountReference: Record<string, number>;
      queriesByCheckoutRequestId: Record<string, number>;
    };
  }

  return { http, referralInPendingPayment, paymentsOf, payment, finalPayment, onlyPayment, groundTruth };
}
