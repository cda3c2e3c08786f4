// The relay in each API process: one Redis subscription, fanned out to the connected SSE clients.
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Request, Response } from 'express';
import type Redis from 'ioredis';
import type { Repository } from 'typeorm';
import { DomainError } from '../../common/domain-error';
import type { AppConfig } from '../../config/app-config';
import { InjectAppConfig } from '../../config/config.module';
import { InjectRedis, redisReady } from '../../queues/redis-client.provider';
import { Payment } from '../payment.entity';
import { toPaymentView } from '../payment.view';
import { PaymentEventMessage, paymentEventsChannel, parsePaymentEventMessage } from './payment-event.message';

/** The reconnect delay suggested to EventSource-style clients. */
export const STREAM_RETRY_MS = 3000;
const SUBSCRIBE_TIMEOUT_MS = 5000;

interface StreamClient {
  referralId: string | null;
  response: Response;
}

/**
 * The Redis subscription is opened by the first client, so a worker process (which has this
 * provider but no HTTP) never holds one. A client's stream starts only once the subscription is
 * confirmed: whatever commits after the client got its first bytes reaches it.
 */
@Injectable()
export class PaymentEventStream implements BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(PaymentEventStream.name);
  private readonly channel: string;
  private readonly heartbeatMs: number;
  private readonly clients = new Set<StreamClient>();
  private subscriber: Redis | null = null;
  private subscribed: Promise<void> | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  /** Messages are delivered in the order they arrived, each after its own payment read. */
  private delivery: Promise<void> = Promise.resolve();
  private closing = false;

  constructor(
    @InjectRedis() private readonly redis: Redis,
    @InjectRepository(Payment) private readonly payments: Repository<Payment>,
    @InjectAppConfig() config: AppConfig,
  ) {
    this.channel = paymentEventsChannel(config.redisKeyPrefix);
    this.heartbeatMs = config.events.heartbeatMs;
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** Answers the request with an event stream until the client goes away. */
  async open(request: Request, response: Response, referralId: string | null): Promise<void> {
    if (this.closing) throw new DomainError('SERVICE_UNAVAILABLE', 'The service is shutting down');
    await this.subscription();
    // The connection, not the request stream: a request with a body is already "destroyed" once
    // its body was read, and returning then would leave the client waiting forever (issue 8 fuzzer).
    if (!request.socket || request.socket.destroyed) return;

    response.status(200);
    response.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    response.setHeader('Cache-Control', 'no-cache, no-transform');
    response.setHeader('Connection', 'keep-alive');
    response.setHeader('X-Accel-Buffering', 'no'); // nginx: do not buffer the stream
    response.flushHeaders();
    request.socket.setNoDelay(true);
    request.socket.setKeepAlive(true);
    response.write(`retry: ${STREAM_RETRY_MS}\n: connected\n\n`);

    const client: StreamClient = { referralId, response };
    this.clients.add(client);
    this.startHeartbeat();
    const remove = () => {
      this.clients.delete(client);
      if (this.clients.size === 0) this.stopHeartbeat();
    };
    request.on('close', remove);
    response.on('close', remove);
    response.on('error', remove);
  }

  beforeApplicationShutdown(): void {
    // Streams never finish by themselves: end them so the HTTP server can close.
    this.closing = true;
    this.stopHeartbeat();
    for (const client of this.clients) client.response.end();
    this.clients.clear();
  }

  async onApplicationShutdown(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = null;
    if (subscriber) await subscriber.quit().catch(() => subscriber.disconnect());
  }

  private async subscription(): Promise<void> {
    if (!this.subscribed) {
      // Redis away: say so at once rather than after the subscribe timeout.
      if (!(await redisReady(this.redis))) throw new DomainError('SERVICE_UNAVAILABLE', 'Live payment events are unavailable: Redis does not answer');
    }
    if (!this.subscribed) {
      const subscriber = this.redis.duplicate({
        // Unlike the fail-fast command client, a subscriber waits for Redis and resubscribes.
        enableOfflineQueue: true,
        maxRetriesPerRequest: null,
        autoResubscribe: true,
      });
      let readyBefore = false;
      subscriber.on('error', () => {
        // Reconnects by itself; the timeout below answers clients while Redis is away.
      });
      subscriber.on('ready', () => {
        // Messages published while the connection was down are lost: tell clients to reload.
        if (readyBefore) this.broadcast('event: resync\ndata: {}\n\n');
        readyBefore = true;
      });
      subscriber.on('message', (channel: string, raw: string) => {
        if (channel === this.channel) this.onMessage(raw);
      });
      this.subscriber = subscriber;
      this.subscribed = subscriber.subscribe(this.channel).then(() => undefined);
      this.subscribed.catch(() => {
        // Only if the connection was closed for good: the next client starts afresh.
        if (this.subscriber !== subscriber) return;
        this.subscriber = null;
        this.subscribed = null;
        subscriber.disconnect();
      });
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DomainError('SERVICE_UNAVAILABLE', 'Live payment events are unavailable: Redis does not answer')), SUBSCRIBE_TIMEOUT_MS);
    });
    try {
      await Promise.race([this.subscribed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private onMessage(raw: string): void {
    const message = parsePaymentEventMessage(raw);
    if (!message || !this.hasClientFor(message.referralId)) return;
    // Read at once (in parallel with earlier reads), deliver in arrival order.
    const view = this.payments.findOneBy({ id: message.paymentId }).then((payment) => (payment ? toPaymentView(payment) : null));
    this.delivery = Promise.all([this.delivery, view])
      .then(([, current]) => {
        if (current) this.deliver(message, { ...current, type: message.type, fromStatus: message.fromStatus, toStatus: message.toStatus, source: message.source, at: message.at });
      })
      .catch((error: unknown) => {
        this.logger.warn(`Could not relay a payment event: ${error instanceof Error ? error.message : String(error)}`);
      });
  }

  private hasClientFor(referralId: string): boolean {
    for (const client of this.clients) if (client.referralId === null || client.referralId === referralId) return true;
    return false;
  }

  private deliver(message: PaymentEventMessage, data: object): void {
    const frame = `event: payment\ndata: ${JSON.stringify(data)}\n\n`;
    for (const client of this.clients) {
      if (client.referralId === null || client.referralId === message.referralId) client.response.write(frame);
    }
  }

  private broadcast(frame: string): void {
    for (const client of this.clients) client.response.write(frame);
  }

  private startHeartbeat(): void {
    if (this.heartbeat) return;
    // Comment lines: ignored by clients, but they keep proxies from closing an idle stream.
    this.heartbeat = setInterval(() => this.broadcast(': ping\n\n'), this.heartbeatMs);
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }
}
