import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateReferrals1763762400000 implements MigrationInterface {
  name = 'CreateReferrals1763762400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE referrals (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        patient_name varchar(200) NOT NULL,
        patient_phone varchar(12),
        referring_facility varchar(200),
        receiving_facility varchar(200),
        reason varchar(2000),
        amount integer NOT NULL CHECK (amount BETWEEN 1 AND 250000),
        status varchar(20) NOT NULL DEFAULT 'pending-admin'
          CHECK (status IN ('pending-admin', 'awaiting-biodata', 'pending-payment', 'paid', 'confirmed', 'rejected', 'cancelled')),
        stk_phone_number varchar(12),
        stk_sent_count integer NOT NULL DEFAULT 0 CHECK (stk_sent_count >= 0),
        paid_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT referrals_paid_has_paid_at CHECK (status NOT IN ('paid', 'confirmed') OR paid_at IS NOT NULL)
      )`);
    await queryRunner.query(`CREATE INDEX referrals_status_seq_idx ON referrals (status, seq DESC)`);
    await queryRunner.query(`
      CREATE TABLE referral_status_changes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        referral_id uuid NOT NULL REFERENCES referrals(id) ON DELETE CASCADE,
        from_status varchar(20),
        to_status varchar(20) NOT NULL,
        source varchar(20) NOT NULL,
        actor_role varchar(20),
        reason varchar(2000),
        at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX referral_status_changes_referral_idx ON referral_status_changes (referral_id, at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE referral_status_changes`);
    await queryRunner.query(`DROP TABLE referrals`);
  }
}
