// The Daraja simulator, served under /simulator. Import it only when MPESA_ENV=simulator: nothing of it
// must be reachable in sandbox or production. Needs AppConfigModule (global).
import { Module } from '@nestjs/common';
import { SimulatorAdminController } from './simulator-admin.controller';
import { SimulatorCallbackSender } from './simulator-callback.sender';
import { SimulatorFallbackController } from './simulator-fallback.controller';
import { SimulatorOAuthController } from './simulator-oauth.controller';
import { SimulatorReplySender } from './simulator-reply.sender';
import { SimulatorSettings } from './simulator-settings';
import { SimulatorStkController } from './simulator-stk.controller';
import { SimulatorStkService } from './simulator-stk.service';
import { SimulatorTokenStore } from './simulator-token.store';
import { SimulatorTransactionStore } from './simulator-transaction.store';

@Module({
  // The fallback goes last: it matches every path under /simulator.
  controllers: [SimulatorOAuthController, SimulatorStkController, SimulatorAdminController, SimulatorFallbackController],
  providers: [
    SimulatorSettings,
    SimulatorTokenStore,
    SimulatorTransactionStore,
    SimulatorCallbackSender,
    SimulatorReplySender,
    SimulatorStkService,
  ],
})
export class SimulatorModule {}
