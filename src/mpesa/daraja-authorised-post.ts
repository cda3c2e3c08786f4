// One authorised POST to Daraja, shared by the STK client and the ledger client: the cached token,
// and when Daraja refuses it, that token dropped and the request sent once more with a fresh one.
import type { Logger } from '@nestjs/common';
import { isInvalidTokenAnswer } from './daraja-error.classifier';
import type { DarajaHttpTransport, DarajaTransportError } from './daraja-http.transport';
import { type DarajaTokenCache, DarajaTokenError } from './daraja-token.cache';
import type { DarajaError } from './daraja.types';

/** What came back: Daraja's answer, no token to send, or no (readable) answer at all. */
export type DarajaExchange =
  | { kind: 'answer'; status: number; body: unknown }
  | { kind: 'token-error'; error: DarajaError }
  | { kind: 'transport'; error: DarajaTransportError };

export interface AuthorisedPoster {
  tokens: DarajaTokenCache;
  http: DarajaHttpTransport;
  logger: Logger;
}

/**
 * POST with the cached token. An answer `refusesToken` recognises (404.001.03 by default) on the
 * first try drops that token and sends once more with a new one; the second answer stands.
 */
export async function authorisedPost(
  { tokens, http, logger }: AuthorisedPoster,
  path: string,
  body: unknown,
  refusesToken: (status: number, body: unknown) => boolean = isInvalidTokenAnswer,
): Promise<DarajaExchange> {
  for (let attempt = 1; ; attempt++) {
    let token: string;
    try {
      token = await tokens.get();
    } catch (error) {
      if (error instanceof DarajaTokenError) return { kind: 'token-error', error: error.error };
      throw error;
    }
    let answer: { status: number; body: unknown };
    try {
      answer = await http.send('POST', path, { Authorization: `Bearer ${token}` }, body);
    } catch (error) {
      return { kind: 'transport', error: error as DarajaTransportError };
    }
    if (attempt === 1 && refusesToken(answer.status, answer.body)) {
      logger.warn(`Daraja refused the access token on ${path}; fetching a new one and retrying once`);
      tokens.invalidate(token);
      continue;
    }
    return { kind: 'answer', ...answer };
  }
}
