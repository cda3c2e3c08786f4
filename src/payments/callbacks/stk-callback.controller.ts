// POST /api/stk-callback/:token. The gate middleware has already checked the token and source;
// here the body is checked, stored, answered, and only then applied.
import { Controller, HttpCode, Logger, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { PublicRoute } from '../../auth/auth.decorators';
import { DomainError } from '../../common/domain-error';
import { CallbackApplicationService } from './callback-application.service';
import { normaliseAddress } from './callback-gate.middleware';
import { CallbackIngestionService } from './callback-ingestion.service';

export const CALLBACK_ACCEPTED = { ResultCode: 0, ResultDesc: 'Accepted' } as const;

function checkoutRequestIdOf(body: unknown): string | null {
  const id = (body as { Body?: { stkCallback?: { CheckoutRequestID?: unknown } } } | null)?.Body?.stkCallback?.CheckoutRequestID;
  return typeof id === 'string' && id.trim().length > 0 ? id.trim() : null;
}

@Controller('api/stk-callback')
@PublicRoute()
export class StkCallbackController {
  private readonly logger = new Logger(StkCallbackController.name);

  constructor(
    private readonly ingestion: CallbackIngestionService,
    private readonly application: CallbackApplicationService,
  ) {}

  @Post(':token')
  @HttpCode(200)
  async receive(@Req() req: Request & { rawBody?: Buffer }): Promise<typeof CALLBACK_ACCEPTED> {
    const body: unknown = req.body;
    const checkoutRequestId = req.is('application/json') ? checkoutRequestIdOf(body) : null;
    if (!checkoutRequestId) {
      throw new DomainError('VALIDATION_FAILED', 'Callback body must be JSON with Body.stkCallback.CheckoutRequestID', {
        fields: [{ field: 'Body.stkCallback.CheckoutRequestID', messages: ['is required'] }],
      });
    }
    const rawBody = req.rawBody ? req.rawBody.toString('utf8') : JSON.stringify(body);
    const stored = await this.ingestion.store(rawBody, body, checkoutRequestId, normaliseAddress(req.ip ?? req.socket.remoteAddress));
    if (stored.isNew) {
      // Answer first; the work happens after (and the sweeper redoes it if this process dies).
      setImmediate(() => {
        this.application.apply(stored.id).catch((error: Error) =>
          this.logger.error({ callbackId: stored.id, error: error.message }, 'Applying a stored callback failed; the sweeper will retry'),
        );
      });
    }
    return CALLBACK_ACCEPTED;
  }
}
