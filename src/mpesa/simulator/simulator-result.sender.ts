// POSTs initiator-API Results to the ResultURL each request named, on timers that are unref'd and
// cancelled on reset and shutdown, like the STK callbacks.
import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { ResultDelivery } from './simulator-ledger.store';

const DELIVERY_TIMEOUT_MS = 10_000;

@Injectable()
export class SimulatorResultSender implements OnModuleDestroy {
  private readonly logger = new Logger(SimulatorResultSender.name);
  private readonly timers = new Set<NodeJS.Timeout>();
  private aborter = new AbortController();

  schedule(delivery: ResultDelivery, body: unknown, delayMs: number, copies = 1): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.deliver(delivery, body, copies);
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }

  async deliver(delivery: ResultDelivery, body: unknown, copies = 1): Promise<void> {
    for (let i = 0; i < copies; i++) await this.post(delivery, body);
  }

  cancelAll(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.aborter.abort();
    this.aborter = new AbortController();
  }

  onModuleDestroy(): void {
    this.cancelAll();
  }

  private async post(delivery: ResultDelivery, body: unknown): Promise<void> {
    const record: ResultDelivery['deliveries'][number] = { sentAt: new Date().toISOString(), httpStatus: null, error: null };
    delivery.deliveries.push(record);
    try {
      const response = await fetch(delivery.resultUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.any([AbortSignal.timeout(DELIVERY_TIMEOUT_MS), this.aborter.signal]),
      });
      await response.arrayBuffer();
      record.httpStatus = response.status;
    } catch (error) {
      record.error = error instanceof Error ? error.message : String(error);
      this.logger.warn(`Simulator ${delivery.kind} result ${delivery.conversationId} not delivered: ${record.error}`);
    }
  }
}
