// The Report models for the OpenAPI document; `implements` keeps them in step with report.ts.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { LINE_KINDS, LineKind, MpesaSide, OursSide, Report, ReportCounts, ReportLine, ReportSummary } from '../../../reconciliation/report';

export class ReportCountsResponse implements ReportCounts {
  @ApiProperty({ type: 'integer', description: 'Completed paid-in rows whose receipt is on a completed payment of the same amount (or, for a payment completed without a receipt number, whose A/C No. is its account reference).' })
  matched!: number;

  @ApiProperty({ type: 'integer', description: 'Completed paid-in rows whose receipt is on a completed payment of another amount (or whose Paid In is not whole shillings).' })
  amountDiffers!: number;

  @ApiProperty({ type: 'integer', description: 'Completed paid-in rows that no completed payment holds: money M-Pesa received that the service did not record. Each is kept as a Receipt (source `statement`).' })
  missingInOurs!: number;

  @ApiProperty({ type: 'integer', description: "Payments completed here within the statement's period whose receipt the statement does not show as a Completed payment in." })
  missingInMpesa!: number;

  @ApiProperty({ type: 'integer', description: 'Completed paid-in rows repeating a receipt number of an earlier row: counted once.' })
  duplicates!: number;

  @ApiProperty({ type: 'integer', description: 'Rows that are not money paid in: charge rows, settlement rows, withdrawals, rows not Completed.' })
  ignored!: number;
}

export class OursSideResponse implements OursSide {
  @ApiProperty({ format: 'uuid' })
  paymentId!: string;

  @ApiProperty({ type: 'integer', example: 1000 })
  amount!: number;

  @ApiProperty({ enum: ['pending', 'completed', 'failed'] })
  status!: string;

  @ApiProperty({ type: String, nullable: true, example: 'UF1AB2CD3E' })
  receipt!: string | null;

  @ApiProperty({ example: 'PAY34KM4' })
  accountReference!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  completedAt!: string | null;
}

export class MpesaSideResponse implements MpesaSide {
  @ApiProperty({ type: 'integer', description: "The row's number in the sheet or CSV file, from 1.", example: 9 })
  row!: number;

  @ApiProperty({ type: 'integer', nullable: true, description: 'Paid In in whole KES; null when empty or not whole shillings.', example: 1000 })
  amount!: number | null;

  @ApiProperty({ type: String, nullable: true, description: 'Paid In as the file has it.', example: '1,000.00' })
  paidIn!: string | null;

  @ApiProperty({ type: String, nullable: true, example: null })
  withdrawn!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Completion Time (EAT in the file) in UTC.' })
  completionTime!: string | null;

  @ApiProperty({ example: 'Completed' })
  transactionStatus!: string;

  @ApiProperty({ type: String, nullable: true, example: 'Pay Bill from 25470****111 - ALICE **** Acc. PAY34KM4' })
  details!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'Pay Bill Online' })
  reasonType!: string | null;

  @ApiProperty({ type: String, nullable: true, example: '25470****111 - ALICE ****' })
  otherParty!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'PAY34KM4' })
  accountNumber!: string | null;
}

export class ReportLineResponse implements ReportLine {
  @ApiProperty({ enum: LINE_KINDS, description: 'The count this line adds to.' })
  kind!: LineKind;

  @ApiProperty({ type: String, nullable: true, example: 'UF1AB2CD3E' })
  receipt!: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The payment the line is about (for `missingInOurs`, a payment the row may belong to).' })
  paymentId!: string | null;

  @ApiProperty({ type: OursSideResponse, nullable: true })
  ours!: OursSideResponse | null;

  @ApiProperty({ type: MpesaSideResponse, nullable: true })
  mpesa!: MpesaSideResponse | null;

  @ApiProperty({ description: 'What was found, in words.', example: '1,000 KES on payment PAY34KM4' })
  note!: string;
}

export class ReportSummaryResponse implements ReportSummary {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: ['statement', 'ledger-pull'] })
  source!: 'statement' | 'ledger-pull';

  @ApiProperty({ format: 'date-time' })
  periodFrom!: string;

  @ApiProperty({ format: 'date-time' })
  periodTo!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ type: String, nullable: true, example: 'ORG_174379_Statement_June.xlsx' })
  fileName!: string | null;

  @ApiProperty({ type: ReportCountsResponse })
  counts!: ReportCountsResponse;
}

export class ReportResponse extends ReportSummaryResponse implements Report {
  @ApiProperty({ type: [ReportLineResponse], description: 'The statement rows in file order, then the payments missing in M-Pesa in completion order.' })
  lines!: ReportLineResponse[];
}

export class ReportPageResponse {
  @ApiProperty({ type: [ReportSummaryResponse], description: 'Reports without their lines (GET /api/reconciliation/reports/{id} has them).' })
  items!: ReportSummaryResponse[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor!: string | null;
}

export class ReportFormatQuery {
  @ApiPropertyOptional({ enum: ['json', 'csv'], default: 'json', description: '`csv`: the lines as a CSV attachment instead of the Report.' })
  @IsOptional()
  @IsIn(['json', 'csv'], { message: 'format must be json or csv' })
  format?: 'json' | 'csv';
}
