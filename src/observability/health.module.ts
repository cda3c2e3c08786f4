// /health/live and /health/ready. A root that runs queue workers passes the module providing its
// QueueHealthCheck, so readiness covers them; an API-only root passes none.
import { DynamicModule, Module, Type } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { QueuesModule } from '../queues/queues.module';
import { HealthController } from './health.controller';
import { RedisHealthIndicator } from './redis-health.indicator';

@Module({})
export class HealthModule {
  static forRoot(queueHealth?: Type): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ logger: false }), QueuesModule, ...(queueHealth ? [queueHealth] : [])],
      controllers: [HealthController],
      providers: [RedisHealthIndicator],
    };
  }
}
