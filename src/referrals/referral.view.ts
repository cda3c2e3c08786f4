// The Referral as the contract shows it to clients.
import type { Referral } from './referral.entity';
import type { ReferralStatus } from './referral-status';

export interface ReferralView {
  id: string;
  patientName: string;
  patientPhone: string | null;
  referringFacility: string | null;
  receivingFacility: string | null;
  reason: string | null;
  amount: number;
  status: ReferralStatus;
  stkPhoneNumber: string | null;
  stkSentCount: number;
  paidAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export function toReferralView(referral: Referral): ReferralView {
  return {
    id: referral.id,
    patientName: referral.patientName,
    patientPhone: referral.patientPhone,
    referringFacility: referral.referringFacility,
    receivingFacility: referral.receivingFacility,
    reason: referral.reason,
    amount: referral.amount,
    status: referral.status,
    stkPhoneNumber: referral.stkPhoneNumber,
    stkSentCount: referral.stkSentCount,
    paidAt: referral.paidAt ? referral.paidAt.toISOString() : null,
    createdAt: referral.createdAt.toISOString(),
    updatedAt: referral.updatedAt.toISOString(),
  };
}
