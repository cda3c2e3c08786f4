// What the readiness check asks of a process that runs BullMQ workers. The worker side provides
// it; an API-only process has none, and its readiness leaves queues out.
import type { HealthIndicatorResult } from '@nestjs/terminus';

export abstract class QueueHealthCheck {
  abstract isHealthy(key: string): HealthIndicatorResult | Promise<HealthIndicatorResult>;
}
