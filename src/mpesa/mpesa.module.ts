// The Daraja client. Needs AppConfigModule (global) for config.mpesa.
import { Module } from '@nestjs/common';
import { DarajaHttpTransport } from './daraja-http.transport';
import { DarajaTokenCache } from './daraja-token.cache';
import { DarajaClient } from './daraja.client';

@Module({
  providers: [DarajaHttpTransport, DarajaTokenCache, DarajaClient],
  exports: [DarajaClient],
})
export class MpesaModule {}
