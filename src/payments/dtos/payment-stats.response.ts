// GET /api/payments/stats as an OpenAPI model; `implements PaymentStats` keeps it in step.
import { ApiProperty } from '@nestjs/swagger';
import type { PaymentStats } from '../stats/payment-stats.service';

export class PaymentStatsResponse implements PaymentStats {
  @ApiProperty({ type: 'integer', description: 'Payments created in the range.', example: 120 })
  total!: number;

  @ApiProperty({ type: 'integer', example: 6 })
  pending!: number;

  @ApiProperty({ type: 'integer', example: 98 })
  completed!: number;

  @ApiProperty({ type: 'integer', example: 16 })
  failed!: number;

  @ApiProperty({ type: 'integer', description: 'KES collected: the sum of completed payments.', example: 98000 })
  totalAmount!: number;

  @ApiProperty({ type: 'integer', description: 'KES in pending payments.', example: 6000 })
  pendingAmount!: number;

  @ApiProperty({ type: 'integer', description: 'KES in failed payments.', example: 16000 })
  failedAmount!: number;

  @ApiProperty({ description: 'completed / (completed + failed), 4 decimals; 0 when both are 0.', minimum: 0, maximum: 1, example: 0.8596 })
  successRate!: number;
}
