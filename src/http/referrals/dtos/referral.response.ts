// The Referral and its list page as OpenAPI models. `implements ReferralView` keeps the document
// in step with what toReferralView actually returns.
import { ApiProperty } from '@nestjs/swagger';
import { REFERRAL_STATUSES, ReferralStatus } from '../../../referrals/referral-status';
import type { ReferralView } from '../../../referrals/referral.view';

export class ReferralResponse implements ReferralView {
  @ApiProperty({ format: 'uuid', example: '5d0c4a9e-2f61-4c3b-8f0e-7d2a9b6e1c34' })
  id!: string;

  @ApiProperty({ example: 'Amina Wanjiru' })
  patientName!: string;

  @ApiProperty({ type: String, nullable: true, description: 'Normalised to 2547XXXXXXXX / 2541XXXXXXXX.', example: '254712345678' })
  patientPhone!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'Kiambu Level 4 Hospital' })
  referringFacility!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'Kenyatta National Hospital' })
  receivingFacility!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'Cardiology review' })
  reason!: string | null;

  @ApiProperty({ type: 'integer', description: 'Fee in whole KES.', example: 1000 })
  amount!: number;

  @ApiProperty({ enum: REFERRAL_STATUSES, enumName: 'ReferralStatus', example: 'pending-payment' })
  status!: ReferralStatus;

  @ApiProperty({ type: String, nullable: true, description: 'The number that receives the STK prompt.', example: '254708374149' })
  stkPhoneNumber!: string | null;

  @ApiProperty({ type: 'integer', description: 'STK pushes Daraja accepted for this referral.', example: 1 })
  stkSentCount!: number;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Set when one of its payments completed.', example: null })
  paidAt!: string | null;

  @ApiProperty({ format: 'date-time', example: '2025-11-21T09:14:03.512Z' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time', example: '2025-11-21T09:20:41.007Z' })
  updatedAt!: string;
}

export class ReferralPageResponse {
  @ApiProperty({ type: [ReferralResponse] })
  items!: ReferralResponse[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `?cursor=` for the next page; null on the last page.', example: 'czoxMjM' })
  nextCursor!: string | null;
}
