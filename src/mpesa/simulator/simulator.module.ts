// The Daraja simulator, served under /simulator. Import it only when MPESA_ENV=simulator: nothing of it
// must be reachable in sandbox or production. Needs AppConfigModule (global).
import { Module } from '@nestjs/common';
import { SimulatorAdminController } from './simulator-admin.controller';
import { SimulatorCallbackSender } from './simulator-callback.sender';
import { SimulatorCertificateStore } from './simulator-certificate.store';
import { SimulatorFallbackController } from './simulator-fallback.controller';
import { SimulatorLedgerController } from './simulator-ledger.controller';
import { SimulatorLedgerService } from './simulator-ledger.service';
import { SimulatorLedgerStore } from './simulator-ledger.store';
import { SimulatorOAuthController } from './simulator-oauth.controller';
import { SimulatorReplySender } from './simulator-reply.sender';
import { SimulatorResultSender } from './simulator-result.sender';
import { SimulatorSettings } from './simulator-settings';
import { SimulatorStkController } from './simulator-stk.controller';
import { SimulatorStkService } from './simulator-stk.service';
import { SimulatorTokenStore } from './simulator-token.store';
import { SimulatorTransactionStore } from './simulator-transaction.store';

@Module({
  // The fallback goes last: it matches every path under /simulator.
  controllers: [SimulatorOAuthController, SimulatorStkController, SimulatorLedgerController, SimulatorAdminController, SimulatorFallbackController],
  providers: [
    SimulatorSettings,
    SimulatorTokenStore,
    SimulatorTransactionStore,
    SimulatorCallbackSender,
    SimulatorReplySender,
    SimulatorStkService,
    SimulatorCertificateStore,
    SimulatorLedgerStore,
    SimulatorResultSender,
    SimulatorLedgerService,
  ],
})
export class SimulatorModule {}
