// The webhook models for the OpenAPI document; `implements` keeps them in step with the views.
import { ApiProperty } from '@nestjs/swagger';
import { WEBHOOK_EVENT_TYPES } from '../../../webhooks/webhook-events';
import type { WebhookDeliveryView, WebhookEndpointView } from '../../../webhooks/webhook.view';

export class WebhookEndpointResponse implements WebhookEndpointView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'https://emr.example-clinic.co.ke/hooks/payments' })
  url!: string;

  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES, isArray: true })
  events!: string[];

  @ApiProperty({ type: String, nullable: true })
  description!: string | null;

  @ApiProperty({ enum: ['enabled', 'disabled'] })
  status!: 'enabled' | 'disabled';

  @ApiProperty({ type: String, nullable: true, description: 'Why it was disabled, e.g. after 5 days of failed deliveries.' })
  disabledReason!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
}

export class WebhookEndpointWithSecretResponse extends WebhookEndpointResponse {
  @ApiProperty({ description: 'The signing secret, `whsec_<base64>`: shown only in this answer.', example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' })
  secret!: string;
}

export class WebhookEndpointPageResponse {
  @ApiProperty({ type: [WebhookEndpointResponse] })
  items!: WebhookEndpointResponse[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor!: string | null;
}

export class WebhookAttemptResponse {
  @ApiProperty({ format: 'date-time' })
  at!: string;

  @ApiProperty({ type: 'integer', nullable: true, description: 'The receiver\'s HTTP status; null when none came (refused, timed out, connection error).' })
  httpStatus!: number | null;

  @ApiProperty({ type: String, nullable: true })
  error!: string | null;

  @ApiProperty({ type: 'integer' })
  durationMs!: number;
}

export class WebhookDeliveryResponse implements WebhookDeliveryView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  endpointId!: string;

  @ApiProperty({ format: 'uuid', description: 'The event\'s id, also its `webhook-id` header: receivers deduplicate on it.' })
  eventId!: string;

  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES })
  eventType!: string;

  @ApiProperty({ enum: ['pending', 'succeeded', 'failed'] })
  status!: 'pending' | 'succeeded' | 'failed';

  @ApiProperty({ type: [WebhookAttemptResponse] })
  attempts!: WebhookAttemptResponse[];

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  nextAttemptAt!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

export class WebhookDeliveryPageResponse {
  @ApiProperty({ type: [WebhookDeliveryResponse] })
  items!: WebhookDeliveryResponse[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor!: string | null;
}

export class RedeliveryAcceptedResponse {
  @ApiProperty({ format: 'uuid' })
  deliveryId!: string;

  @ApiProperty({ enum: ['queued'] })
  status!: 'queued';
}
