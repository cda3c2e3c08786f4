// The webhook routes (admin). Imported only by roots that serve the API (api, all).
import { Module } from '@nestjs/common';
import { WebhooksController } from './webhooks.controller';
import { WebhooksModule } from '../../webhooks/webhooks.module';

@Module({ imports: [WebhooksModule], controllers: [WebhooksController] })
export class WebhooksHttpModule {}
