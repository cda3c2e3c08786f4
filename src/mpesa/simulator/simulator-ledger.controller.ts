// Daraja's ledger endpoints under /simulator (Transaction Status, Reversal, Pull), the simulator's
// certificate, its org-portal statement, and the ledger's own knobs (ground truth, a payment made
// by hand). `body: unknown` and `@Res()` keep the service's pipe and filter out, as for STK.
import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { PublicRoute } from '../../auth/auth.decorators';
import type { AppConfig } from '../../config/app-config';
import { InjectAppConfig } from '../../config/config.module';
import { darajaError } from './daraja-reply';
import { SimulatorCertificateStore } from './simulator-certificate.store';
import { ORGANIZATION_NAME, SimulatorLedgerService } from './simulator-ledger.service';
import { SimulatorLedgerStore } from './simulator-ledger.store';
import { SimulatorReplySender } from './simulator-reply.sender';
import { statementCsv, statementXlsx, type StatementInput } from './simulator-statement';

export const LEDGER_DARAJA_PATHS = [
  '/simulator/mpesa/transactionstatus/v1/query',
  '/simulator/mpesa/reversal/v1/request',
  '/simulator/pulltransactions/v1/register',
  '/simulator/pulltransactions/v1/query',
];

@ApiExcludeController()
@PublicRoute()
@Controller('simulator')
export class SimulatorLedgerController {
  constructor(
    @InjectAppConfig() private readonly config: AppConfig,
    private readonly service: SimulatorLedgerService,
    private readonly ledger: SimulatorLedgerStore,
    private readonly certificate: SimulatorCertificateStore,
    private readonly replies: SimulatorReplySender,
  ) {}

  @Post('mpesa/transactionstatus/v1/query')
  async transactionStatus(@Req() req: Request, @Body() body: unknown, @Res() res: Response): Promise<void> {
    this.replies.send(res, await this.service.transactionStatus(req.headers.authorization, body));
  }

  @Post('mpesa/reversal/v1/request')
  async reversal(@Req() req: Request, @Body() body: unknown, @Res() res: Response): Promise<void> {
    this.replies.send(res, await this.service.reversal(req.headers.authorization, body));
  }

  @Post('pulltransactions/v1/register')
  pullRegister(@Req() req: Request, @Body() body: unknown, @Res() res: Response): void {
    this.replies.send(res, this.service.pullRegister(req.headers.authorization, body));
  }

  @Post('pulltransactions/v1/query')
  pullQuery(@Req() req: Request, @Body() body: unknown, @Res() res: Response): void {
    this.replies.send(res, this.service.pullQuery(req.headers.authorization, body));
  }

  /** What the portal offers for download: the certificate the SecurityCredential is encrypted with. */
  @Get('certificate.cer')
  async certificateFile(@Res() res: Response): Promise<void> {
    res.status(200).type('application/x-pem-file').send((await this.certificate.keyPair()).certificatePem);
  }

  @Get('statement.xlsx')
  async statementWorkbook(@Query('from') from: unknown, @Query('to') to: unknown, @Res() res: Response): Promise<void> {
    const input = this.statementInput(from, to);
    if (typeof input === 'string') return this.replies.send(res, darajaError(400, '400.002.02', `Bad Request - ${input}`));
    res.status(200).attachment('statement.xlsx').type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').send(await statementXlsx(input));
  }

  @Get('statement.csv')
  statementText(@Query('from') from: unknown, @Query('to') to: unknown, @Res() res: Response): void {
    const input = this.statementInput(from, to);
    if (typeof input === 'string') return this.replies.send(res, darajaError(400, '400.002.02', `Bad Request - ${input}`));
    res.status(200).attachment('statement.csv').type('text/csv').send(statementCsv(input));
  }

  /** Ground truth: every ledger entry, every result sent (and what its receiver answered), Pull registrations. */
  @Get('ledger')
  ledgerSnapshot() {
    return { balance: this.service.balance(), ...this.ledger.snapshot() };
  }

  /** A customer paying the paybill by hand: `{phoneNumber, amount, billReference?, name?, completedAt?}`. */
  @Post('ledger/payments')
  manualPayment(@Body() body: unknown, @Res() res: Response): void {
    const entry = this.service.manualPayment(body);
    if (typeof entry === 'string') return this.replies.send(res, darajaError(400, '400.002.02', `Bad Request - ${entry}`));
    res.status(201).json({ ...entry, initiatedAt: new Date(entry.initiatedAt).toISOString(), completedAt: new Date(entry.completedAt).toISOString() });
  }

  private statementInput(fromText: unknown, toText: unknown, now = Date.now()): StatementInput | string {
    const parse = (v: unknown, name: string, fallback: number) => {
      if (v === undefined) return fallback;
      const ms = typeof v === 'string' ? Date.parse(v) : NaN;
      return Number.isNaN(ms) ? `${name} must be an ISO 8601 time` : ms;
    };
    const all = this.ledger.all(now);
    const from = parse(fromText, 'from', all.length > 0 ? Math.min(all[0].completedAt, now - 48 * 3600_000) : now - 48 * 3600_000);
    const to = parse(toText, 'to', now);
    if (typeof from === 'string') return from;
    if (typeof to === 'string') return to;
    if (from > to) return 'from must not be after to';
    const before = all.filter((e) => e.completedAt < from);
    const openingBalance = Math.round(before.reduce((sum, e) => sum + (e.kind === 'reversal' ? -e.amount : e.amount - e.charge) * 100, 0)) / 100;
    return {
      entries: all.filter((e) => e.completedAt >= from && e.completedAt <= to),
      openingBalance,
      from,
      to,
      shortcode: this.config.mpesa.shortcode,
      organization: ORGANIZATION_NAME,
      now,
    };
  }
}
