// POSTs callbacks to CallBackURL on timers; every timer is unref'd and cancelled on reset and shutdown.
import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { maskPhoneNumber } from '../phone-number';
import { buildStkCallback } from './stk-callback.builder';
import type { CallbackDelivery, SimulatorTransaction } from './simulator-transaction.store';

/** A receiver that takes longer than this is recorded as unreachable, as Daraja would give up too. */
const DELIVERY_TIMEOUT_MS = 10_000;

@Injectable()
export class SimulatorCallbackSender implements OnModuleDestroy {
  private readonly logger = new Logger(SimulatorCallbackSender.name);
  private readonly timers = new Set<NodeJS.Timeout>();
  private aborter = new AbortController();

  /** `copies` > 1 delivers the same body again right after the first: Daraja's duplicates. */
  schedule(transaction: SimulatorTransaction, delayMs: number, copies = 1): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.deliver(transaction, copies);
    }, delayMs);
    // Never keep Jest or a shutting-down process alive for a callback nobody will wait for.
    timer.unref();
    this.timers.add(timer);
  }

  async deliver(transaction: SimulatorTransaction, copies = 1): Promise<void> {
    for (let i = 0; i < copies; i++) await this.post(transaction);
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

  private async post(transaction: SimulatorTransaction): Promise<void> {
    // Recorded before sending, so a receiver that looks at the ground truth on arrival already sees it.
    const delivery: CallbackDelivery = { sentAt: new Date().toISOString(), httpStatus: null, error: null };
    transaction.callbacks.push(delivery);
    try {
      const response = await fetch(transaction.callbackUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(buildStkCallback(transaction)),
        signal: AbortSignal.any([AbortSignal.timeout(DELIVERY_TIMEOUT_MS), this.aborter.signal]),
      });
      await response.arrayBuffer();
      delivery.httpStatus = response.status;
    } catch (error) {
      delivery.error = error instanceof Error ? error.message : String(error);
      this.logger.warn(
        `Simulator callback for ${transaction.checkoutRequestId} (${maskPhoneNumber(transaction.phoneNumber)}) not delivered: ${delivery.error}`,
      );
    }
  }
}
