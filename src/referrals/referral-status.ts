export const REFERRAL_STATUSES = [
  'pending-admin',
  'awaiting-biodata',
  'pending-payment',
  'paid',
  'confirmed',
  'rejected',
  'cancelled',
] as const;

export type ReferralStatus = (typeof REFERRAL_STATUSES)[number];
