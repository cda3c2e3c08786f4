// Writes simulator answers, including the faulty ones: held forever, or sent after the client gave up.
import { Injectable, OnModuleDestroy } from '@nestjs/common';
import type { Response } from 'express';
import type { DarajaReply, ReplyTiming } from './daraja-reply';

@Injectable()
export class SimulatorReplySender implements OnModuleDestroy {
  private readonly held = new Set<Response>();
  private readonly timers = new Set<NodeJS.Timeout>();

  send(res: Response, reply: DarajaReply, timing: ReplyTiming = { kind: 'now' }): void {
    if (timing.kind === 'now') {
      res.status(reply.status).json(reply.body);
      return;
    }
    // Until the client hangs up (its timeout) or the app shuts down, whichever comes first.
    this.held.add(res);
    res.on('close', () => this.held.delete(res));
    if (timing.kind === 'after') {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.held.delete(res);
        if (!res.writableEnded && !res.destroyed) res.status(reply.status).json(reply.body);
      }, timing.ms);
      timer.unref();
      this.timers.add(timer);
    }
  }

  /** Drops every held answer: the HTTP server could not close while they stay open. */
  releaseAll(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const res of this.held) res.destroy();
    this.held.clear();
  }

  onModuleDestroy(): void {
    this.releaseAll();
  }
}
