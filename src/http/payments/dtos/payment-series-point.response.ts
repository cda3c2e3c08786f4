// One point of GET /api/payments/stats/series as an OpenAPI model; `implements` keeps it in step.
import { ApiProperty } from '@nestjs/swagger';
import type { PaymentSeriesPoint } from '../../../payments/stats/payment-stats.service';

export class PaymentSeriesPointResponse implements PaymentSeriesPoint {
  @ApiProperty({ format: 'date-time', description: "The interval's start: a whole UTC hour or UTC midnight.", example: '2025-11-01T00:00:00.000Z' })
  at!: string;

  @ApiProperty({ type: 'integer', description: 'Payments created in the interval (within [from, to)).', example: 14 })
  total!: number;

  @ApiProperty({ type: 'integer', example: 1 })
  pending!: number;

  @ApiProperty({ type: 'integer', example: 11 })
  completed!: number;

  @ApiProperty({ type: 'integer', example: 2 })
  failed!: number;

  @ApiProperty({ type: 'integer', description: 'KES collected: the sum of the completed payments among them.', example: 11000 })
  totalAmount!: number;
}
