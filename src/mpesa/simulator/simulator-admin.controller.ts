// The simulator's own endpoints (not Daraja's): ground truth, reset, settings, token expiry, scenarios.
import { Body, Controller, Get, HttpCode, Post, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { PublicRoute } from '../../auth/auth.decorators';
import { darajaError } from './daraja-reply';
import { SimulatorCallbackSender } from './simulator-callback.sender';
import { SimulatorLedgerStore } from './simulator-ledger.store';
import { SimulatorReplySender } from './simulator-reply.sender';
import { SimulatorResultSender } from './simulator-result.sender';
import { describeScenarios } from './simulator-scenarios';
import { SimulatorSettings } from './simulator-settings';
import { SimulatorTokenStore } from './simulator-token.store';
import { SimulatorTransactionStore } from './simulator-transaction.store';

@ApiExcludeController()
@PublicRoute()
@Controller('simulator')
export class SimulatorAdminController {
  constructor(
    private readonly store: SimulatorTransactionStore,
    private readonly tokens: SimulatorTokenStore,
    private readonly settings: SimulatorSettings,
    private readonly callbacks: SimulatorCallbackSender,
    private readonly replies: SimulatorReplySender,
    private readonly ledger: SimulatorLedgerStore,
    private readonly results: SimulatorResultSender,
  ) {}

  @Get('transactions')
  transactions() {
    return { tokenRequests: this.tokens.requests, tokensIssued: this.tokens.issued, ...this.store.snapshot() };
  }

  @Get('scenarios')
  scenarios() {
    return describeScenarios();
  }

  /**
   * Forgets pushes, transactions, the ledger and counters and cancels pending callbacks and held answers, so one
   * test's leftovers never reach the next. Issued tokens stay valid (POST /simulator/tokens/expire ends them).
   */
  @Post('reset')
  @HttpCode(200)
  reset() {
    this.callbacks.cancelAll();
    this.results.cancelAll();
    this.replies.releaseAll();
    this.ledger.reset();
    this.store.reset();
    this.tokens.resetCounters();
    this.settings.reset();
    return { reset: true };
  }

  @Post('settings')
  updateSettings(@Body() body: unknown, @Res() res: Response): void {
    const error = this.settings.update(body);
    if (error) this.replies.send(res, darajaError(400, '400.002.02', `Bad Request - ${error}`));
    else res.status(200).json(this.settings.current);
  }

  @Post('tokens/expire')
  @HttpCode(200)
  expireTokens() {
    return { expired: this.tokens.expireAll() };
  }
}
