// Registers every queue of the catalogue so API and worker can produce into them (through
// JobProducer), and the service's own Redis client.
import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { JobProducer, jobProducerProvider } from './job-producer.service';
import { ALL_QUEUES } from './queue-catalogue';
import { RedisOutageReporter } from './redis-outage.reporter';
import { RedisClientCloser, redisClientProvider, REDIS_CLIENT } from './redis-client.provider';

const registered = BullModule.registerQueue(...ALL_QUEUES.map((name) => ({ name })));

@Module({
  imports: [registered],
  providers: [redisClientProvider, RedisClientCloser, jobProducerProvider, RedisOutageReporter],
  exports: [registered, REDIS_CLIENT, JobProducer, RedisOutageReporter],
})
export class QueuesModule {}
