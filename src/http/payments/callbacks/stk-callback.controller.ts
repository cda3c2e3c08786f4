// POST /api/stk-callback/:token. The gate middleware has already checked the token and source;
// here the body is checked, stored, answered, and only then applied.
import { Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBody, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { PublicRoute } from '../../../auth/auth.decorators';
import { DomainError } from '../../../common/domain-error';
import { ApiEndpoint } from '../../../common/openapi/api-endpoint.decorator';
import { STK_CALLBACK_EXAMPLES, StkCallbackRequest } from '../dtos/stk-callback.request';
import { CALLBACK_ACCEPTED, StkCallbackAcceptedResponse } from '../dtos/stk-callback.response';
import { PaymentMetrics } from '../../../observability/metrics/payment-metrics';
import { CallbackApplyQueue } from '../../../payments/callbacks/callback-apply.queue';
import { normaliseAddress } from './callback-gate.middleware';
import { CallbackIngestionService } from '../../../payments/callbacks/callback-ingestion.service';

function checkoutRequestIdOf(body: unknown): string | null {
  const id = (body as { Body?: { stkCallback?: { CheckoutRequestID?: unknown } } } | null)?.Body?.stkCallback?.CheckoutRequestID;
  return typeof id === 'string' && id.trim().length > 0 ? id.trim() : null;
}

@ApiTags('M-Pesa callback')
@Controller('api/stk-callback')
@PublicRoute()
export class StkCallbackController {
  constructor(
    private readonly ingestion: CallbackIngestionService,
    private readonly applyQueue: CallbackApplyQueue,
    private readonly metrics: PaymentMetrics,
  ) {}

  @Post(':token')
  @HttpCode(200)
  @ApiParam({ name: 'token', description: 'The secret `MPESA_CALLBACK_TOKEN`; a wrong token answers 404 and changes nothing.', example: 'dev-callback-token' })
  @ApiBody({ type: StkCallbackRequest, description: "Daraja's STK Push result, exactly as Daraja sends it.", examples: STK_CALLBACK_EXAMPLES })
  @ApiEndpoint({
    summary: 'Receive an M-Pesa STK callback',
    description:
      'Called by Safaricom Daraja, not by clients. The token and, when `MPESA_CALLBACK_ALLOWED_IPS` is set, the source ' +
      'address are checked before the body is read (a refused address answers 403). A well-formed body is stored and ' +
      'answered at once, whatever it turns out to mean, then applied; the same callback delivered again changes nothing. ' +
      'A body that is not JSON or lacks `Body.stkCallback.CheckoutRequestID` answers 400.',
    access: 'public',
    jsonBody: true,
    success: { status: 200, description: 'Stored; Daraja need not send it again.', type: StkCallbackAcceptedResponse },
    errors: ['FORBIDDEN', 'NOT_FOUND'],
  })
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
    this.metrics.callbackReceived(!stored.isNew);
    // Answered first; applied right after, batched with the callbacks around it.
    if (stored.isNew) this.applyQueue.submit(stored.id);
    return CALLBACK_ACCEPTED;
  }
}
