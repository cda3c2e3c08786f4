import { Controller, Get, Optional } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { PublicRoute } from '../auth/auth.decorators';
import { ApiEndpoint } from '../common/openapi/api-endpoint.decorator';
import { HealthLiveResponse, HealthReadyResponse } from './health.response';
import { QueueHealthCheck } from './queue-health-check';
import { RedisHealthIndicator } from './redis-health.indicator';

@ApiTags('Operations')
@Controller('health')
@PublicRoute()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    /** Present where this process runs the worker (roles `worker` and `all`). */
    @Optional() private readonly queues?: QueueHealthCheck,
  ) {}

  /** The process is up and serving HTTP; nothing else is checked. */
  @Get('live')
  @ApiEndpoint({
    summary: 'Liveness',
    description: 'The process is up and serving HTTP; nothing else is checked.',
    access: 'public',
    success: { status: 200, description: 'Up.', type: HealthLiveResponse },
  })
  live() {
    return { status: 'ok' };
  }

  /** Ready for traffic: Postgres, Redis and (worker role) the queue workers (503 with details otherwise). */
  @Get('ready')
  // Terminus's own OpenAPI entry shows its raw body; the error filter answers in the contract's shape.
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiEndpoint({
    summary: 'Readiness',
    description: 'Ready for traffic: Postgres and Redis both answer and, where this process runs the worker, its queue workers are running; 503 `SERVICE_UNAVAILABLE` otherwise.',
    access: 'public',
    success: { status: 200, description: 'Ready.', type: HealthReadyResponse },
    errors: ['SERVICE_UNAVAILABLE'],
  })
  ready() {
    return this.health.check([
      () => this.database.pingCheck('postgres', { timeout: 1000 }),
      () => this.redis.isHealthy('redis'),
      ...(this.queues ? [() => this.queues!.isHealthy('queues')] : []),
    ]);
  }
}
