// Webhooks, the domain: endpoints, the outbox over the payment and referral history, deliveries.
// Providers only: routes in WebhooksHttpModule, job handlers in WebhooksWorkerModule.
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { QueuesModule } from '../queues/queues.module';
import { MetricsModule } from '../observability/metrics/metrics.module';
import { DeliveryPacer } from './delivery-pacer';
import { EndpointSlots } from './endpoint-slots';
import { WebhookDeliverer } from './webhook-deliverer.service';
import { WebhookDelivery } from './webhook-delivery.entity';
import { WebhookEndpoint } from './webhook-endpoint.entity';
import { WebhookEndpointsService } from './webhook-endpoints.service';
import { WebhookEventRow } from './webhook-event.entity';
import { WebhookOutbox } from './webhook-outbox.service';
import { WebhookClock } from './webhook-signer';

@Module({
  imports: [TypeOrmModule.forFeature([WebhookEndpoint, WebhookEventRow, WebhookDelivery]), QueuesModule, MetricsModule],
  providers: [WebhookClock, WebhookEndpointsService, WebhookOutbox, WebhookDeliverer, EndpointSlots, DeliveryPacer],
  exports: [WebhookClock, WebhookEndpointsService, WebhookOutbox, WebhookDeliverer],
})
export class WebhooksModule {}
