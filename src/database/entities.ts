// Every entity, listed once: the app and the TypeORM CLI load the same set.
import { Referral } from '../referrals/referral.entity';
import { ReferralStatusChange } from '../referrals/referral-status-change.entity';

export const ENTITIES = [Referral, ReferralStatusChange];
