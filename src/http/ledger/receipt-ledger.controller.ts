// POST /api/receipts/:receipt/verify and /refund: a receipt checked against M-Pesa's ledger, or its
// money sent back. Both answer at once (202) with the receipt as it now is; a job sends the request.
import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiParam, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal, RequireRole } from '../../auth/auth.decorators';
import { ApiEndpoint } from '../../common/openapi/api-endpoint.decorator';
import { ReceiptResponse } from '../receipts/dtos/receipt.response';
import { ReceiptNumberPipe } from '../receipts/receipt-number.pipe';
import { RefundReceiptDto } from './dtos/refund-receipt.dto';
import { LedgerRequestsService } from '../../ledger/requests/ledger-requests.service';

const RECEIPT_PARAM = ApiParam({ name: 'receipt', description: 'The M-Pesa receipt number.', example: 'SGR7HJ2K4L' });

@ApiTags('Receipts')
@Controller('api/receipts')
@RequireRole('admin')
export class ReceiptLedgerController {
  constructor(private readonly requests: LedgerRequestsService) {}

  @Post(':receipt/verify')
  @HttpCode(202)
  @RECEIPT_PARAM
  @ApiEndpoint({
    summary: "Check a receipt against M-Pesa's ledger",
    description:
      'Asks Daraja Transaction Status about the receipt (sent by a worker, never in the request) and answers at once with ' +
      '`verification.status: "pending"`. The Result sets `verification`: `confirmed` (M-Pesa has it for this amount), `unknown-receipt` ' +
      '(2032), `differs` (another amount), with `amount`, `payer` and `resultCode`, and writes a receipt event. A Result that never comes ' +
      'leaves it `pending` and the question is asked again with growing waits; it is never read as a failure. 409 `NOT_CONFIGURED` when no ' +
      'initiator is configured (outside simulator mode without `MPESA_INITIATOR_NAME`).',
    access: 'admin',
    success: { status: 202, description: 'The receipt, its verification pending.', type: ReceiptResponse },
    errors: ['NOT_FOUND', 'NOT_CONFIGURED'],
  })
  verify(@Param('receipt', ReceiptNumberPipe) receipt: string, @CurrentPrincipal() principal: Principal) {
    return this.requests.requestVerification(receipt, principal);
  }

  @Post(':receipt/refund')
  @HttpCode(202)
  @RECEIPT_PARAM
  @ApiEndpoint({
    summary: 'Refund a receipt (Daraja Reversal of the full amount)',
    description:
      'Only a `refund-due` or `review` receipt, and only once, ever (409 `REFUND_NOT_ALLOWED` otherwise). Answers at once with ' +
      '`refund.status: "pending"`; a worker sends one Reversal of the full amount. Its Result settles it: the receipt becomes `refunded` ' +
      '(`refund.reversalReceipt`; `R000001`, already reversed, counts as refunded) or `refund-failed`. A Reversal whose Result is lost or ' +
      'whose sender died is never sent again: a Transaction Status on the original receipt settles it. `reason` is required and recorded ' +
      "with the key's role. 409 `NOT_CONFIGURED` when no initiator is configured.",
    access: 'admin',
    jsonBody: true,
    success: { status: 202, description: 'The receipt, its refund pending.', type: ReceiptResponse },
    errors: ['NOT_FOUND', 'REFUND_NOT_ALLOWED', 'NOT_CONFIGURED'],
  })
  refund(@Param('receipt', ReceiptNumberPipe) receipt: string, @Body() dto: RefundReceiptDto, @CurrentPrincipal() principal: Principal) {
    return this.requests.requestRefund(receipt, dto.reason, principal);
  }
}
