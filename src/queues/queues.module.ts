// Registers every queue of the catalogue so API and worker can produce into them, and the
// service's own Redis client.
import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { ALL_QUEUES } from './queue-catalogue';
import { RedisClientCloser, redisClientProvider, REDIS_CLIENT } from './redis-client.provider';

const registered = BullModule.registerQueue(...ALL_QUEUES.map((name) => ({ name })));

@Module({
  imports: [registered],
  providers: [redisClientProvider, RedisClientCloser],
  exports: [registered, REDIS_CLIENT],
})
export class QueuesModule {}
