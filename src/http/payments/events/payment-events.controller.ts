// GET /api/payments/events: payment changes as Server-Sent Events. Registered before
// PaymentsController, whose GET /api/payments/:id would otherwise take "events" for an id.
import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { RequireRole } from '../../../auth/auth.decorators';
import { ApiEndpoint } from '../../../common/openapi/api-endpoint.decorator';
import { PaymentEventsQuery } from './payment-events.query';
import { PaymentEventStream } from '../../../payments/events/payment-event.stream';

const STREAM_EXAMPLE = [
  'retry: 3000',
  ': connected',
  '',
  'event: payment',
  'data: {"id":"5ba66b9c-9d0a-4043-904f-6fdd35723089","referralId":"01bbbb5e-77ba-42d0-9b05-833fcaad499e",' +
    '"phoneNumber":"254708374149","amount":1000,"status":"completed","mpesaTransactionId":"KAO828LAJZ","…":"…",' +
    '"type":"status-changed","fromStatus":"pending","toStatus":"completed","source":"callback","at":"2026-01-05T09:30:12.345Z"}',
  '',
  ': ping',
  '',
].join('\n');

@ApiTags('Payments')
@Controller('api/payments/events')
export class PaymentEventsController {
  constructor(private readonly stream: PaymentEventStream) {}

  /**
   * A plain handler writing to the response rather than @Sse(): the stream opens only once this
   * process listens on Redis, and errors before that still go through the error filter as JSON.
   */
  @Get()
  @RequireRole('staff')
  @ApiEndpoint({
    summary: 'Live payment changes (Server-Sent Events)',
    description:
      'A `text/event-stream` of every change to a payment, from any API or worker process, sent once its transaction has ' +
      'committed. Each `payment` event carries the payment as `GET /api/payments/{id}` shows it now (without `events`) plus ' +
      'the change: `type`, `fromStatus`, `toStatus`, `source`, `at`. A `: ping` comment every `SSE_HEARTBEAT_MS` (15 s) keeps ' +
      'idle streams open; a `resync` event asks the client to reload after this process lost Redis. Nothing is replayed: ' +
      'reload your figures after reconnecting. The key goes in a header, so browsers read the stream with `fetch`, not `EventSource`.',
    access: 'staff',
    success: {
      status: 200,
      description: 'The stream; it stays open until the client leaves or the service stops.',
      content: { 'text/event-stream': { schema: { type: 'string' }, example: STREAM_EXAMPLE } },
    },
    errors: ['VALIDATION_FAILED', 'SERVICE_UNAVAILABLE'],
  })
  async events(@Query() query: PaymentEventsQuery, @Req() request: Request, @Res() response: Response): Promise<void> {
    await this.stream.open(request, response, query.referralId ?? null);
  }
}
