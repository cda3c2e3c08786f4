// What a simulator handler answers: a Daraja-shaped body, possibly held back or delayed like real faults.
import { newRequestId } from './daraja-ids';

export interface DarajaReply {
  status: number;
  body: Record<string, unknown>;
}

/** How a push answer is delivered: normally, never (connection left hanging), or after the client gave up. */
export type ReplyTiming = { kind: 'now' } | { kind: 'never' } | { kind: 'after'; ms: number };

/** Daraja's synchronous error envelope: camelCase keys, unlike its PascalCase success bodies. */
export function darajaError(status: number, errorCode: string, errorMessage: string): DarajaReply {
  return { status, body: { requestId: newRequestId(), errorCode, errorMessage } };
}

export const invalidToken = () => darajaError(404, '404.001.03', 'Invalid Access Token');
export const invalidField = (field: string) => darajaError(400, '400.002.02', `Bad Request - Invalid ${field}`);
export const wrongCredentials = () => darajaError(500, '500.001.1001', 'Wrong credentials');
export const merchantDoesNotExist = () => darajaError(500, '500.001.1001', 'Merchant does not exist');
