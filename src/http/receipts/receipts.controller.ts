import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiParam, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal, RequireRole } from '../../auth/auth.decorators';
import { ApiEndpoint } from '../../common/openapi/api-endpoint.decorator';
import { ListReceiptsQuery } from '../../receipts/dtos/list-receipts.query';
import { ReceiptPageResponse, ReceiptResponse, ReceiptWithEventsResponse } from './dtos/receipt.response';
import { ResolveReceiptDto } from '../../receipts/dtos/resolve-receipt.dto';
import { ReceiptNumberPipe } from './receipt-number.pipe';
import { ReceiptsService } from '../../receipts/receipts.service';

const RECEIPT_PARAM = ApiParam({ name: 'receipt', description: 'The M-Pesa receipt number.', example: 'SGR7HJ2K4L' });

@ApiTags('Receipts')
@Controller('api/receipts')
@RequireRole('admin')
export class ReceiptsController {
  constructor(private readonly receipts: ReceiptsService) {}

  @Get()
  @ApiEndpoint({
    summary: 'List receipts',
    description:
      'Every M-Pesa receipt the service has heard of, one per receipt number, newest first, optionally filtered by `state`, the paying ' +
      '`phoneNumber` and `createdAt` (when the service first heard of it; `from` inclusive, `to` exclusive).',
    access: 'admin',
    success: { status: 200, description: 'A page of receipts.', type: ReceiptPageResponse },
    errors: ['VALIDATION_FAILED'],
  })
  list(@Query() query: ListReceiptsQuery) {
    return this.receipts.list(query);
  }

  @Get(':receipt')
  @RECEIPT_PARAM
  @ApiEndpoint({
    summary: 'Get a receipt with its history',
    description: 'The receipt and `events`, every recorded change, oldest first, with who or what made it and why.',
    access: 'admin',
    success: { status: 200, description: 'The receipt and its events.', type: ReceiptWithEventsResponse },
    errors: ['NOT_FOUND'],
  })
  get(@Param('receipt', ReceiptNumberPipe) receipt: string) {
    return this.receipts.get(receipt);
  }

  @Post(':receipt/resolve')
  @HttpCode(200)
  @RECEIPT_PARAM
  @ApiEndpoint({
    summary: 'Resolve a receipt by hand',
    description:
      'Only an `unmatched`, `review` or `refund-due` receipt can be resolved (409 `RECEIPT_NOT_RESOLVABLE` otherwise, also for the second of two ' +
      'admins resolving one receipt at once). `attach` completes `paymentId` exactly as a success callback with this receipt would, by the same ' +
      'evidence rules, with source `admin`: a pending payment completes and its referral becomes `paid`; a payment failed by expiry or a status query ' +
      'is corrected; a payment completed without a receipt gets this one. The rules refuse (409 `RECEIPT_NOT_ATTACHABLE`, `rule` naming which) an amount ' +
      "or phone other than the payment's, a payment completed with another receipt, one failed by a failure callback or an admin, a referral already paid " +
      'by another payment or not `pending-payment`, another pending payment of the referral; a receipt that pays another payment answers 409 ' +
      "`RECEIPT_ALREADY_USED`. `dismiss` leaves the receipt on no payment. `reason` is required and recorded, with the key's role, on the receipt's " +
      "history and, when attached, the payment's.",
    access: 'admin',
    jsonBody: true,
    success: { status: 200, description: 'The receipt as it now is.', type: ReceiptResponse },
    errors: ['NOT_FOUND', 'RECEIPT_NOT_RESOLVABLE', 'RECEIPT_NOT_ATTACHABLE', 'RECEIPT_ALREADY_USED'],
  })
  resolve(@Param('receipt', ReceiptNumberPipe) receipt: string, @Body() dto: ResolveReceiptDto, @CurrentPrincipal() principal: Principal) {
    return this.receipts.resolve(receipt, dto, principal);
  }
}
