// Kenyan MSISDN rules from DARAJA.md: every accepted form normalises to 2547XXXXXXXX / 2541XXXXXXXX.

export const NORMALISED_PHONE = /^254[17]\d{8}$/;

/** Returns the normalised MSISDN, or null when the input is not a Kenyan mobile number. */
export function normalizePhoneNumber(input: string): string | null {
  const compact = input.replace(/[\s-]/g, '').replace(/^\+/, '');
  if (!/^\d+$/.test(compact)) return null;
  let candidate: string;
  if (/^0[17]\d{8}$/.test(compact)) candidate = `254${compact.slice(1)}`;
  else if (/^[17]\d{8}$/.test(compact)) candidate = `254${compact}`;
  else candidate = compact;
  return NORMALISED_PHONE.test(candidate) ? candidate : null;
}

/** For logs: all but the last three digits masked, so a number can be told apart but not called. */
export function maskPhoneNumber(phone: string): string {
  return phone.length <= 3 ? '***' : `${'*'.repeat(phone.length - 3)}${phone.slice(-3)}`;
}
