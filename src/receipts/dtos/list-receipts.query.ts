import { ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageQueryDto } from '../../common/pagination';
import { IsKenyanPhoneNumber } from '../../mpesa/phone-number.validator';
import { CreatedAtRangeQuery } from '../../payments/dtos/stats.query';
import { RECEIPT_STATES, ReceiptState } from '../receipt-state';

/** GET /api/receipts: the payments list's filters, on the receipt's createdAt (when the service first heard of it). */
export class ListReceiptsQuery extends IntersectionType(PageQueryDto, CreatedAtRangeQuery) {
  @ApiPropertyOptional({ enum: RECEIPT_STATES, enumName: 'ReceiptState', description: 'Only receipts in this state.' })
  @IsOptional()
  @IsIn(RECEIPT_STATES, { message: `state must be one of: ${RECEIPT_STATES.join(', ')}` })
  state?: ReceiptState;

  @ApiPropertyOptional({ description: 'Only receipts paid from this number, in any common form (masked ones have none).', example: '254708374149' })
  @IsOptional()
  @IsKenyanPhoneNumber()
  phoneNumber?: string;
}
