// Thrown by the Daraja client for input it refuses to send: no HTTP request has been made.
import { DomainError } from '../common/domain-error';

export class DarajaRequestError extends DomainError {
  constructor(
    /** the StkPushRequest field (or `checkoutRequestId`) that was refused */
    readonly field: string,
    message: string,
  ) {
    // VALIDATION_FAILED: if it ever reaches the HTTP filter it is the caller's 400, not our 500.
    super('VALIDATION_FAILED', message, { field });
    this.name = 'DarajaRequestError';
  }
}
