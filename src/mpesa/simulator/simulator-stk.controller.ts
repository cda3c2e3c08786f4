// POST /simulator/mpesa/stkpush/v1/processrequest and /simulator/mpesa/stkpushquery/v1/query.
import { Body, Controller, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { PublicRoute } from '../../auth/auth.decorators';
import { SimulatorReplySender } from './simulator-reply.sender';
import { SimulatorStkService } from './simulator-stk.service';

/**
 * `body: unknown` keeps the global ValidationPipe out (no DTO class) and `@Res()` keeps the global
 * error filter out: the simulator must answer Daraja's own envelopes, not this service's.
 */
@ApiExcludeController()
@PublicRoute()
@Controller('simulator')
export class SimulatorStkController {
  constructor(
    private readonly stk: SimulatorStkService,
    private readonly replies: SimulatorReplySender,
  ) {}

  @Post('mpesa/stkpush/v1/processrequest')
  async push(@Req() req: Request, @Body() body: unknown, @Res() res: Response): Promise<void> {
    const { reply, timing } = await this.stk.push(req.headers.authorization, body);
    this.replies.send(res, reply, timing);
  }

  @Post('mpesa/stkpushquery/v1/query')
  query(@Req() req: Request, @Body() body: unknown, @Res() res: Response): void {
    this.replies.send(res, this.stk.query(req.headers.authorization, body));
  }
}
