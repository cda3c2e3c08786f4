// GET /simulator/oauth/v1/generate: Daraja's client-credentials token endpoint.
import { createHash, timingSafeEqual } from 'node:crypto';
import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { PublicRoute } from '../../auth/auth.decorators';
import type { AppConfig } from '../../config/app-config';
import { InjectAppConfig } from '../../config/config.module';
import { darajaError } from './daraja-reply';
import { SimulatorReplySender } from './simulator-reply.sender';
import { SimulatorSettings } from './simulator-settings';
import { SimulatorTokenStore } from './simulator-token.store';

const digest = (value: string) => createHash('sha256').update(value).digest();

@ApiExcludeController()
@PublicRoute()
@Controller('simulator')
export class SimulatorOAuthController {
  private readonly expectedAuth: Buffer;

  constructor(
    @InjectAppConfig() config: AppConfig,
    private readonly tokens: SimulatorTokenStore,
    private readonly settings: SimulatorSettings,
    private readonly replies: SimulatorReplySender,
  ) {
    const basic = Buffer.from(`${config.mpesa.consumerKey}:${config.mpesa.consumerSecret}`).toString('base64');
    this.expectedAuth = digest(`Basic ${basic}`);
  }

  @Get('oauth/v1/generate')
  generate(@Req() req: Request, @Res() res: Response): void {
    this.tokens.requests++;
    if (req.query.grant_type !== 'client_credentials') {
      return this.replies.send(res, darajaError(400, '400.008.02', 'Invalid grant type passed'));
    }
    // Hashing gives equal lengths for a constant-time compare: even a simulator should not teach bad habits.
    if (!timingSafeEqual(digest(req.headers.authorization ?? ''), this.expectedAuth)) {
      return this.replies.send(res, darajaError(400, '400.008.01', 'Invalid Authentication passed'));
    }
    const { tokenTtlSeconds, expiresInAsNumber, newTokenRevokesOld } = this.settings.current;
    const token = this.tokens.issue(tokenTtlSeconds, newTokenRevokesOld);
    this.replies.send(res, { status: 200, body: { access_token: token, expires_in: expiresInAsNumber ? tokenTtlSeconds : String(tokenTtlSeconds) } });
  }
}
