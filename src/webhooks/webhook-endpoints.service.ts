// Endpoint management for admins: create, read, update, delete, rotate the secret; the delivery
// log and manual redelivery. Secrets leave the service only in the create and rotate answers.
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { InjectAppConfig } from '../config/config.module';
import { DomainError, NotFoundError } from '../common/domain-error';
import { DEFAULT_PAGE_SIZE, fetchPage, Page, PageQueryDto } from '../common/pagination';
import { JobProducer } from '../queues/job-producer.service';
import { JOBS, redeliverWebhookOptions } from '../queues/queue-catalogue';
import type { CreateWebhookEndpointDto, ListWebhookDeliveriesQuery, UpdateWebhookEndpointDto } from './dtos/webhook-endpoint.dto';
import { WebhookDelivery } from './webhook-delivery.entity';
import { WebhookEndpoint } from './webhook-endpoint.entity';
import { WebhookEventRow } from './webhook-event.entity';
import { generateWebhookSecret, PREVIOUS_SECRET_LIFETIME_MS, WebhookClock } from './webhook-signer';
import { checkEndpointUrl, WebhookUrlRefused } from './webhook-url.policy';
import { toWebhookDeliveryView, toWebhookEndpointView, WebhookDeliveryView, WebhookEndpointView } from './webhook.view';

export type WebhookEndpointWithSecret = WebhookEndpointView & { secret: string };

@Injectable()
export class WebhookEndpointsService {
  private readonly logger = new Logger(WebhookEndpointsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectAppConfig() private readonly config: AppConfig,
    private readonly producer: JobProducer,
    private readonly clock: WebhookClock,
  ) {}

  async create(dto: CreateWebhookEndpointDto): Promise<WebhookEndpointWithSecret> {
    await this.checkUrl(dto.url);
    const secret = generateWebhookSecret();
    const [row] = (await this.dataSource.query(
      `INSERT INTO webhook_endpoints (url, events, description, secret) VALUES ($1, $2, $3, $4) RETURNING id`,
      [dto.url, dto.events, dto.description ?? null, secret],
    )) as { id: string }[];
    return { ...toWebhookEndpointView(await this.find(row.id)), secret };
  }

  async list(query: PageQueryDto): Promise<Page<WebhookEndpointView>> {
    const qb = this.dataSource.manager.createQueryBuilder(WebhookEndpoint, 'e');
    return fetchPage(qb, { limit: query.limit ?? DEFAULT_PAGE_SIZE, cursor: query.cursor, order: 'newest-first' }, toWebhookEndpointView);
  }

  async get(id: string): Promise<WebhookEndpointView> {
    return toWebhookEndpointView(await this.find(id));
  }

  async update(id: string, dto: UpdateWebhookEndpointDto): Promise<WebhookEndpointView> {
    if (dto.url !== undefined) await this.checkUrl(dto.url);
    await this.find(id);
    const changes: Partial<WebhookEndpoint> = {};
    if (dto.url !== undefined) changes.url = dto.url;
    if (dto.events !== undefined) changes.events = dto.events;
    if (dto.description !== undefined) changes.description = dto.description;
    if (dto.status !== undefined) {
      changes.status = dto.status;
      // Enabled again by hand: forget the failures and why it was disabled.
      changes.disabledReason = dto.status === 'enabled' ? null : 'disabled by an admin';
      if (dto.status === 'enabled') changes.failingSince = null;
    }
    await this.dataSource.manager.createQueryBuilder().update(WebhookEndpoint).set({ ...changes, updatedAt: () => 'now()' }).where('id = :id', { id }).execute();
    return this.get(id);
  }

  async remove(id: string): Promise<void> {
    // Its deliveries go with it (ON DELETE CASCADE); a job still queued for one finds nothing to do.
    const result = await this.dataSource.manager.delete(WebhookEndpoint, { id });
    if (!result.affected) throw new NotFoundError('Webhook endpoint', id);
  }

  /** A new secret; the one it replaces keeps signing, beside it, for 24 h. */
  async rotateSecret(id: string): Promise<WebhookEndpointWithSecret> {
    const secret = generateWebhookSecret();
    const expiresAt = new Date(this.clock.now().getTime() + PREVIOUS_SECRET_LIFETIME_MS);
    const rows = (await this.dataSource.query(
      `UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_expires_at = $2, secret = $3, updated_at = now()
        WHERE id = $1 RETURNING id`,
      [id, expiresAt, secret],
    )) as [{ id: string }[], number];
    if (rows[1] === 0) throw new NotFoundError('Webhook endpoint', id);
    return { ...toWebhookEndpointView(await this.find(id)), secret };
  }

  async listDeliveries(endpointId: string, query: ListWebhookDeliveriesQuery): Promise<Page<WebhookDeliveryView>> {
    await this.find(endpointId);
    const qb = this.dataSource.manager.createQueryBuilder(WebhookDelivery, 'd').where('d.endpoint_id = :endpointId', { endpointId });
    if (query.status) qb.andWhere('d.status = :status', { status: query.status });
    const page = await fetchPage(qb, { limit: query.limit ?? DEFAULT_PAGE_SIZE, cursor: query.cursor, order: 'newest-first' }, (d) => d);
    const events = page.items.length ? await this.dataSource.manager.find(WebhookEventRow, { where: { id: In(page.items.map((d) => d.eventId)) }, select: { id: true, type: true } }) : [];
    const typeOf = new Map(events.map((e) => [e.id, e.type]));
    return { items: page.items.map((d) => toWebhookDeliveryView({ ...d, eventType: typeOf.get(d.eventId) ?? 'unknown' })), nextCursor: page.nextCursor };
  }

  /** Sends the delivery once more now, whatever its status; receivers deduplicate on the event id. */
  async redeliver(deliveryId: string): Promise<{ deliveryId: string; status: 'queued' }> {
    const delivery = await this.dataSource.manager.findOne(WebhookDelivery, { where: { id: deliveryId } });
    if (!delivery) throw new NotFoundError('Webhook delivery', deliveryId);
    try {
      await this.producer.publish(JOBS.deliverWebhook, { deliveryId, manual: true }, redeliverWebhookOptions(deliveryId, delivery.attempts.length));
    } catch (error) {
      this.logger.warn({ err: error, deliveryId }, 'could not queue a redelivery');
      throw new DomainError('SERVICE_UNAVAILABLE', 'The delivery queue is unavailable; try again shortly');
    }
    return { deliveryId, status: 'queued' };
  }

  private async find(id: string): Promise<WebhookEndpoint> {
    const endpoint = await this.dataSource.manager.findOne(WebhookEndpoint, { where: { id } });
    if (!endpoint) throw new NotFoundError('Webhook endpoint', id);
    return endpoint;
  }

  private async checkUrl(url: string): Promise<void> {
    try {
      await checkEndpointUrl(url, this.config.webhooks);
    } catch (error) {
      if (error instanceof WebhookUrlRefused) throw new DomainError('WEBHOOK_URL_REFUSED', error.message, { fields: [{ field: 'url', messages: [error.message] }] });
      throw error;
    }
  }
}
