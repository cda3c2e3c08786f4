// GET /metrics in Prometheus text format, reachable without an API key like a scrape target expects.
import { Controller, Get, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import type { Response } from 'express';
import { PublicRoute } from '../../auth/auth.decorators';
import { ApiEndpoint } from '../../common/openapi/api-endpoint.decorator';

@ApiTags('Operations')
@Controller()
@PublicRoute()
export class MetricsController extends PrometheusController {
  @Get()
  @ApiEndpoint({
    summary: 'Prometheus metrics',
    description:
      "This process's metrics in Prometheus text format: payment transitions by from/to/source, STK push latency, " +
      'Daraja errors by class, callbacks received and processed, queue depths, reconciliation outcomes and the default process metrics. ' +
      'Each API and worker process has its own (a worker serves them on WORKER_HTTP_PORT).',
    access: 'public',
    success: { status: 200, description: 'Prometheus text exposition format.', content: { 'text/plain': { schema: { type: 'string' } } } },
  })
  override async index(@Res({ passthrough: true }) response: Response): Promise<string> {
    return super.index(response);
  }
}
