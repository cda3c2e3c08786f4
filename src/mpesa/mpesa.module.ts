// The Daraja client (STK) and the ledger client (Transaction Status, Pull, Reversal). Needs AppConfigModule (global) for config.mpesa.
import { Module } from '@nestjs/common';
import { DarajaHttpTransport } from './daraja-http.transport';
import { DarajaLedgerClient } from './daraja-ledger.client';
import { DarajaTokenCache } from './daraja-token.cache';
import { DarajaClient } from './daraja.client';
import { SecurityCredentialProvider } from './security-credential';

@Module({
  providers: [DarajaHttpTransport, DarajaTokenCache, DarajaClient, SecurityCredentialProvider, DarajaLedgerClient],
  exports: [DarajaClient, DarajaLedgerClient],
})
export class MpesaModule {}
