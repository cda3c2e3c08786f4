import { classifyHttpError } from './daraja-error.classifier';
import type { DarajaErrorClass } from './daraja.types';

const envelope = (errorCode: string, errorMessage: string) => ({ requestId: '1-2-3', errorCode, errorMessage });

describe('classifyHttpError', () => {
  it.each<[number, unknown, DarajaErrorClass]>([
    [400, envelope('400.002.02', 'Bad Request - Invalid PhoneNumber'), 'permanent'],
    [404, envelope('404.001.03', 'Invalid Access Token'), 'token'],
    [500, envelope('500.001.1001', 'Merchant does not exist'), 'permanent'],
    [500, envelope('500.001.1001', 'Wrong credentials'), 'permanent'],
    [500, envelope('500.001.1001', 'Unable to lock subscriber, a transaction is already in process for the current subscriber'), 'retryable'],
    [500, envelope('500.003.02', 'System is busy. Please try again in few minutes.'), 'retryable'],
    [500, envelope('500.003.02', 'Error Occurred: Spike Arrest Violation'), 'retryable'],
    [500, envelope('500.003.03', 'Quota Violation'), 'retryable'],
    [500, envelope('500.003.1001', 'Internal Server Error'), 'retryable'],
    [429, null, 'retryable'],
    [502, null, 'retryable'],
    [503, '<html>', 'retryable'],
    [504, null, 'indeterminate'],
    [404, envelope('404.001.01', 'Resource not found'), 'permanent'],
    [400, null, 'permanent'],
  ])('HTTP %s %j is %s', (status, body, errorClass) => {
    expect(classifyHttpError(status, body).errorClass).toBe(errorClass);
  });

  it('asks for a minute before retrying a locked subscriber, and keeps code and message', () => {
    const error = classifyHttpError(500, envelope('500.001.1001', 'Unable to lock subscriber, a transaction is already in process for the current subscriber'));
    expect(error).toMatchObject({ httpStatus: 500, errorCode: '500.001.1001', retryAfterMs: 60_000 });
    expect(error.errorMessage).toMatch(/Unable to lock subscriber/);
  });

  it('decides 500.003.02 by its code, not its text', () => {
    expect(classifyHttpError(500, envelope('500.003.02', 'Wrong credentials')).errorClass).toBe('retryable');
  });
});
