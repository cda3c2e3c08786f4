// Anything else under /simulator answers like Daraja's gateway: 405 for a known path, 404 otherwise.
import { All, Controller, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { PublicRoute } from '../../auth/auth.decorators';
import { darajaError } from './daraja-reply';
import { LEDGER_DARAJA_PATHS } from './simulator-ledger.controller';

const DARAJA_PATHS = ['/simulator/oauth/v1/generate', '/simulator/mpesa/stkpush/v1/processrequest', '/simulator/mpesa/stkpushquery/v1/query', ...LEDGER_DARAJA_PATHS];

/** Must be the module's last controller: Nest registers routes in order and this one matches every path. */
@ApiExcludeController()
@PublicRoute()
@Controller('simulator')
export class SimulatorFallbackController {
  @All('*path')
  notFound(@Req() req: Request, @Res() res: Response): void {
    const reply = DARAJA_PATHS.includes(req.path.replace(/\/+$/, ''))
      ? darajaError(405, '405.001', 'Method Not Allowed')
      : darajaError(404, '404.001.01', 'Resource not found');
    res.status(reply.status).json(reply.body);
  }
}
