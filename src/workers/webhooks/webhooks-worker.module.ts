// The webhook jobs' handlers: deliveries, fan-out, sweep. Imported by the worker and all roots.
import { Module } from '@nestjs/common';
import { WebhookJobHandlers } from './webhook-job.handlers';
import { WebhooksModule } from '../../webhooks/webhooks.module';

@Module({ imports: [WebhooksModule], providers: [WebhookJobHandlers] })
export class WebhooksWorkerModule {}
