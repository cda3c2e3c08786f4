// POST /api/mpesa/results/:token/:kind. The gate middleware (LedgerHttpModule) has already checked
// the token and source; here the kind and the body are checked, and the body is stored and answered.
// A new Result is then applied at once, outside the answer: when its acknowledgement is stored
// already (the usual order) nothing waits for a sweep; otherwise the send that stores the
// acknowledgement applies it, and the ledger-requests sweep catches whatever both missed.
import { Controller, HttpCode, Logger, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBody, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { PublicRoute } from '../../../auth/auth.decorators';
import { DomainError } from '../../../common/domain-error';
import { ApiEndpoint } from '../../../common/openapi/api-endpoint.decorator';
import { RESULT_KINDS, type ResultKind } from '../../../config/app-config';
import { resultIdentifiers } from '../../../mpesa/daraja-result.parser';
import { normaliseAddress } from '../../payments/callbacks/callback-gate.middleware';
import { CALLBACK_ACCEPTED, StkCallbackAcceptedResponse } from '../../payments/dtos/stk-callback.response';
import { MPESA_RESULT_EXAMPLES, MpesaResultRequest } from './mpesa-result.request';
import { MpesaResultsIngestionService } from '../../../ledger/results/mpesa-results-ingestion.service';
import { LedgerRequestsService } from '../../../ledger/requests/ledger-requests.service';

export const RESULTS_PATH_PREFIX = '/api/mpesa/results';

@ApiTags('M-Pesa callback')
@Controller('api/mpesa/results')
@PublicRoute()
export class MpesaResultsController {
  private readonly logger = new Logger(MpesaResultsController.name);

  constructor(
    private readonly ingestion: MpesaResultsIngestionService,
    private readonly requests: LedgerRequestsService,
  ) {}

  @Post(':token/:kind')
  @HttpCode(200)
  @ApiParam({ name: 'token', description: 'The secret `MPESA_CALLBACK_TOKEN`; a wrong token answers 404 and stores nothing.', example: 'dev-callback-token' })
  @ApiParam({ name: 'kind', enum: RESULT_KINDS, description: 'Which request the result answers; any other value answers 404.' })
  @ApiQuery({ name: 'timeout', required: false, enum: ['queue'], description: 'Set on the QueueTimeOutURL the service gives Daraja: the request timed out in Daraja\'s queue.' })
  @ApiBody({ type: MpesaResultRequest, description: "Daraja's Result, exactly as Daraja sends it.", examples: MPESA_RESULT_EXAMPLES })
  @ApiEndpoint({
    summary: 'Receive a Daraja Transaction Status or Reversal result',
    description:
      'Called by Safaricom Daraja, not by clients: the ResultURL and QueueTimeOutURL of the service\'s Transaction Status ' +
      'and Reversal requests. Guarded exactly like the STK callback: the token and, when `MPESA_CALLBACK_ALLOWED_IPS` is ' +
      'set, the source address are checked before the body is read (a refused address answers 403). A body that is not ' +
      'JSON or whose `Result` has neither `ConversationID` nor `OriginatorConversationID` answers 400; any other is stored ' +
      'and answered at once, whatever it says. The same result delivered again is stored once.',
    access: 'public',
    jsonBody: true,
    success: { status: 200, description: 'Stored; Daraja need not send it again.', type: StkCallbackAcceptedResponse },
    errors: ['FORBIDDEN', 'NOT_FOUND'],
  })
  async receive(@Param('kind') kind: string, @Query('timeout') timeout: unknown, @Req() req: Request & { rawBody?: Buffer }): Promise<typeof CALLBACK_ACCEPTED> {
    if (!(RESULT_KINDS as readonly string[]).includes(kind)) throw new DomainError('NOT_FOUND', `Cannot POST ${RESULTS_PATH_PREFIX}`);
    const body: unknown = req.body;
    const ids = req.is('application/json') ? resultIdentifiers(body) : null;
    if (!ids) {
      throw new DomainError('VALIDATION_FAILED', 'Result body must be JSON with Result.ConversationID or Result.OriginatorConversationID', {
        fields: [{ field: 'Result.ConversationID', messages: ['is required (or Result.OriginatorConversationID)'] }],
      });
    }
    const stored = await this.ingestion.store({
      kind: kind as ResultKind,
      rawBody: req.rawBody ? req.rawBody.toString('utf8') : JSON.stringify(body),
      body,
      conversationId: ids.conversationId,
      originatorConversationId: ids.originatorConversationId,
      sourceIp: normaliseAddress(req.ip ?? req.socket.remoteAddress),
      queueTimeout: timeout === 'queue',
    });
    if (stored.isNew) {
      // Stored and answered whatever happens here: a failure is the sweep's to retry.
      setImmediate(() => {
        this.requests.applyResult(stored.id).catch((error: unknown) => this.logger.warn({ err: error, resultId: stored.id }, 'Applying a stored Daraja Result failed; the ledger sweep applies it'));
      });
    }
    return CALLBACK_ACCEPTED;
  }
}
