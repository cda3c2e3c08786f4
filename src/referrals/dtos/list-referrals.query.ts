import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageQueryDto } from '../../common/pagination';
import { REFERRAL_STATUSES, ReferralStatus } from '../referral-status';

export class ListReferralsQuery extends PageQueryDto {
  @ApiPropertyOptional({ enum: REFERRAL_STATUSES, enumName: 'ReferralStatus', description: 'Only referrals in this status.' })
  @IsOptional()
  @IsIn(REFERRAL_STATUSES, { message: `status must be one of: ${REFERRAL_STATUSES.join(', ')}` })
  status?: ReferralStatus;
}
