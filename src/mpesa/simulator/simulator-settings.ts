// Knobs tests and demos may turn at run time (POST /simulator/settings); reset restores the config's values.
import { Injectable } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config';
import { InjectAppConfig } from '../../config/config.module';

export interface SimulatorSettingsValues {
  /** lifetime of issued tokens; Daraja's is 3599 s */
  tokenTtlSeconds: number;
  /** real answers send expires_in as a string, the 3.0 docs as a number */
  expiresInAsNumber: boolean;
  /** time from an accepted push to the customer's answer and its callback */
  callbackDelayMs: number;
  /** Daraja "may" invalidate the previous token when it issues a new one; off by default */
  newTokenRevokesOld: boolean;
  /**
   * What happens to the next Transaction Status and Reversal results: delivered after
   * callbackDelayMs (`none`), never (`lost`), after a late delay (`late`), twice (`twice`), or
   * before the request's own synchronous acknowledgement (`before-ack`).
   */
  resultFault: ResultFault;
  /** how Pull reads OffSetValue: a row offset, or a page number (answers then carry TotalPages) */
  pullPaging: 'offset' | 'page';
  /** rows per Pull page */
  pullPageSize: number;
  /** Pull answers HTTP 401 `401.001`, as for an app not subscribed to it */
  pullNotSubscribed: boolean;
  /** `Response` as an array of arrays (what production sends) or a flat list (also seen) */
  pullResponseShape: 'nested' | 'flat';
  /** consecutive wrong SecurityCredentials after which the initiator is locked (8006) until reset */
  initiatorLockAfter: number;
  /**
   * How Results spell values: `production` numbers for numeric codes, times and amounts; `docs`
   * strings for all of them, as Daraja's documentation shows them.
   */
  resultStyle: 'production' | 'docs';
  /** the acknowledgement spells its first key `OriginatorCoversationID`, as one product does */
  misspelledAcknowledgement: boolean;
  /** Pull answers carry `RequestID` (the live sandbox) instead of `ResponseRefID` */
  pullRequestIdKey: boolean;
}

export const RESULT_FAULTS = ['none', 'lost', 'late', 'twice', 'before-ack'] as const;
export type ResultFault = (typeof RESULT_FAULTS)[number];

/** A late callback (and a slow prompt) takes this many normal delays, and at least LATE_MIN_MS. */
export const LATE_FACTOR = 10;
export const LATE_MIN_MS = 1000;

@Injectable()
export class SimulatorSettings {
  private values: SimulatorSettingsValues;

  constructor(@InjectAppConfig() private readonly config: AppConfig) {
    this.values = this.defaults();
  }

  get current(): Readonly<SimulatorSettingsValues> {
    return this.values;
  }

  get lateDelayMs(): number {
    return Math.max(this.values.callbackDelayMs * LATE_FACTOR, LATE_MIN_MS);
  }

  /** The push answer of the "late answer" scenario arrives after the client (same config) has given up. */
  get lateAnswerMs(): number {
    return this.config.mpesa.timeoutMs + 1000;
  }

  /** Returns an error text, or null when every given value was applied. */
  update(input: unknown): string | null {
    if (!input || typeof input !== 'object' || Array.isArray(input)) return 'body must be a JSON object';
    const next = { ...this.values };
    for (const [key, value] of Object.entries(input)) {
      if (key === 'tokenTtlSeconds' && Number.isInteger(value) && (value as number) >= 1) next.tokenTtlSeconds = value as number;
      else if (key === 'callbackDelayMs' && Number.isInteger(value) && (value as number) >= 0) next.callbackDelayMs = value as number;
      else if (key === 'expiresInAsNumber' && typeof value === 'boolean') next.expiresInAsNumber = value;
      else if (key === 'newTokenRevokesOld' && typeof value === 'boolean') next.newTokenRevokesOld = value;
      else if (key === 'resultFault' && (RESULT_FAULTS as readonly unknown[]).includes(value)) next.resultFault = value as ResultFault;
      else if (key === 'pullPaging' && (value === 'offset' || value === 'page')) next.pullPaging = value;
      else if (key === 'pullPageSize' && Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 1000) next.pullPageSize = value as number;
      else if (key === 'pullNotSubscribed' && typeof value === 'boolean') next.pullNotSubscribed = value;
      else if (key === 'pullResponseShape' && (value === 'nested' || value === 'flat')) next.pullResponseShape = value;
      else if (key === 'initiatorLockAfter' && Number.isInteger(value) && (value as number) >= 1) next.initiatorLockAfter = value as number;
      else if (key === 'resultStyle' && (value === 'production' || value === 'docs')) next.resultStyle = value;
      else if (key === 'misspelledAcknowledgement' && typeof value === 'boolean') next.misspelledAcknowledgement = value;
      else if (key === 'pullRequestIdKey' && typeof value === 'boolean') next.pullRequestIdKey = value;
      else return `invalid setting ${key}`;
    }
    this.values = next;
    return null;
  }

  reset(): void {
    this.values = this.defaults();
  }

  private defaults(): SimulatorSettingsValues {
    return {
      tokenTtlSeconds: 3599,
      expiresInAsNumber: false,
      callbackDelayMs: this.config.simulator.callbackDelayMs,
      newTokenRevokesOld: false,
      resultFault: 'none',
      pullPaging: 'offset',
      pullPageSize: 100,
      pullNotSubscribed: false,
      pullResponseShape: 'nested',
      initiatorLockAfter: 3,
      resultStyle: 'production',
      misspelledAcknowledgement: false,
      pullRequestIdKey: false,
    };
  }
}
