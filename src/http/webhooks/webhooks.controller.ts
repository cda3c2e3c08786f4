import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../../auth/auth.decorators';
import { ApiEndpoint } from '../../common/openapi/api-endpoint.decorator';
import { ApiUuidParam } from '../../common/openapi/api-params.decorator';
import { PageQueryDto } from '../../common/pagination';
import { uuidParam } from '../referrals/referrals.controller';
import { CreateWebhookEndpointDto, ListWebhookDeliveriesQuery, UpdateWebhookEndpointDto } from '../../webhooks/dtos/webhook-endpoint.dto';
import {
  RedeliveryAcceptedResponse,
  WebhookDeliveryPageResponse,
  WebhookEndpointPageResponse,
  WebhookEndpointResponse,
  WebhookEndpointWithSecretResponse,
} from './dtos/webhook.response';
import { WebhookEndpointsService } from '../../webhooks/webhook-endpoints.service';

const SIGNING =
  'Each delivery is a POST of `{id, type, createdAt, data}` signed per Standard Webhooks (`webhook-id`, ' +
  '`webhook-timestamp`, `webhook-signature`).';

@ApiTags('Webhooks')
@Controller('api/webhooks')
@RequireRole('admin')
export class WebhooksController {
  constructor(private readonly endpoints: WebhookEndpointsService) {}

  @Post()
  @HttpCode(201)
  @ApiEndpoint({
    summary: 'Register a webhook endpoint',
    description: `${SIGNING} The answer carries the signing \`secret\` (\`whsec_<base64>\`): it is never shown again.`,
    access: 'admin',
    jsonBody: true,
    success: { status: 201, description: 'The endpoint and its secret.', type: WebhookEndpointWithSecretResponse },
    errors: ['WEBHOOK_URL_REFUSED'],
  })
  create(@Body() dto: CreateWebhookEndpointDto) {
    return this.endpoints.create(dto);
  }

  @Get()
  @ApiEndpoint({
    summary: 'List webhook endpoints',
    description: 'Newest first, a page at a time (`limit`, `cursor`). Secrets are never listed.',
    access: 'admin',
    success: { status: 200, description: 'A page of endpoints.', type: WebhookEndpointPageResponse },
    errors: ['VALIDATION_FAILED'],
  })
  list(@Query() query: PageQueryDto) {
    return this.endpoints.list(query);
  }

  // Before ':id' so the fixed segment is never read as an id.
  @Post('deliveries/:id/redeliver')
  @HttpCode(202)
  @ApiUuidParam('id', 'The delivery.')
  @ApiEndpoint({
    summary: 'Redeliver an event',
    description: 'Queues one more attempt now, whatever the delivery\'s status; its outcome is added to `attempts`. Receivers deduplicate on the event id.',
    access: 'admin',
    success: { status: 202, description: 'Queued.', type: RedeliveryAcceptedResponse },
    errors: ['VALIDATION_FAILED', 'NOT_FOUND', 'SERVICE_UNAVAILABLE'],
  })
  redeliver(@Param('id', uuidParam) id: string) {
    return this.endpoints.redeliver(id);
  }

  @Get(':id')
  @ApiUuidParam('id', 'The endpoint.')
  @ApiEndpoint({
    summary: 'Get a webhook endpoint',
    access: 'admin',
    success: { status: 200, description: 'The endpoint.', type: WebhookEndpointResponse },
    errors: ['VALIDATION_FAILED', 'NOT_FOUND'],
  })
  get(@Param('id', uuidParam) id: string) {
    return this.endpoints.get(id);
  }

  @Patch(':id')
  @ApiUuidParam('id', 'The endpoint.')
  @ApiEndpoint({
    summary: 'Update a webhook endpoint',
    description: 'Change the URL, the events, the description, or enable or disable it (enabling clears `disabledReason`).',
    access: 'admin',
    jsonBody: true,
    success: { status: 200, description: 'The endpoint as it now is.', type: WebhookEndpointResponse },
    errors: ['NOT_FOUND', 'WEBHOOK_URL_REFUSED'],
  })
  update(@Param('id', uuidParam) id: string, @Body() dto: UpdateWebhookEndpointDto) {
    return this.endpoints.update(id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiUuidParam('id', 'The endpoint.')
  @ApiEndpoint({
    summary: 'Delete a webhook endpoint',
    description: 'Its delivery log goes with it; nothing more is sent to it.',
    access: 'admin',
    success: { status: 204, description: 'Deleted.', content: {} },
    errors: ['VALIDATION_FAILED', 'NOT_FOUND'],
  })
  async remove(@Param('id', uuidParam) id: string): Promise<void> {
    await this.endpoints.remove(id);
  }

  @Post(':id/rotate-secret')
  @ApiUuidParam('id', 'The endpoint.')
  @ApiEndpoint({
    summary: "Rotate a webhook endpoint's secret",
    description: 'Answers the new `secret`. For 24 h the old secret still signs beside it (two signatures in `webhook-signature`), so receivers can switch over without losing a delivery.',
    access: 'admin',
    success: { status: 200, description: 'The endpoint and its new secret.', type: WebhookEndpointWithSecretResponse },
    errors: ['VALIDATION_FAILED', 'NOT_FOUND'],
  })
  @HttpCode(200)
  rotate(@Param('id', uuidParam) id: string) {
    return this.endpoints.rotateSecret(id);
  }

  @Get(':id/deliveries')
  @ApiUuidParam('id', 'The endpoint.')
  @ApiEndpoint({
    summary: "List an endpoint's deliveries",
    description: 'Newest first, a page at a time, optionally only one `status`; each with every attempt made.',
    access: 'admin',
    success: { status: 200, description: 'A page of deliveries.', type: WebhookDeliveryPageResponse },
    errors: ['VALIDATION_FAILED', 'NOT_FOUND'],
  })
  deliveries(@Param('id', uuidParam) id: string, @Query() query: ListWebhookDeliveriesQuery) {
    return this.endpoints.listDeliveries(id, query);
  }
}
