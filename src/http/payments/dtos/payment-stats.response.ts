// GET /api/payments/stats as an OpenAPI model; `implements PaymentStats` keeps it in step.
import { ApiProperty } from '@nestjs/swagger';
import type { PaymentStats } from '../../../payments/stats/payment-stats.service';

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

  @ApiProperty({ type: 'integer', description: 'KES on `unmatched` and `review` receipts created in the range: money M-Pesa took that pays no payment yet.', example: 2000 })
  reviewAmount!: number;

  @ApiProperty({ type: 'integer', description: 'KES on `refund-due` receipts created in the range: patients who paid twice.', example: 1000 })
  refundDueAmount!: number;

  @ApiProperty({ type: 'integer', description: 'KES on `refunded` receipts created in the range (0 until refunds exist).', example: 0 })
  refundedAmount!: number;
}
