import { Controller, Get, HttpCode, Param, Post, Query, Res, UploadedFile, UseInterceptors } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiExtraModels, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { Response } from 'express';
import { RequireRole } from '../../auth/auth.decorators';
import { ApiEndpoint } from '../../common/openapi/api-endpoint.decorator';
import { ApiUuidParam } from '../../common/openapi/api-params.decorator';
import { PageQueryDto } from '../../common/pagination';
import { uuidParam } from '../referrals/referrals.controller';
import { ReportFormatQuery, ReportPageResponse, ReportResponse } from './dtos/report.response';
import { ReconciliationReportsService } from '../../reconciliation/reconciliation-reports.service';
import { reportCsv } from '../../reconciliation/report-csv';
import { StatementImportService, UploadedStatement } from '../../reconciliation/statement-import.service';
import { missingFile, STATEMENT_FIELD, StatementUploadInterceptor } from './statement-upload.interceptor';

const IMPORT =
  'Upload the statement downloaded from the M-PESA org portal (org.ke.m-pesa.com), as the portal exports it: ' +
  'an Excel workbook (`.xlsx`) or CSV, in the multipart field `file`, at most 10 MB and 50,000 rows. Columns are found by their ' +
  'header text (`Receipt No.`, `Completion Time`, `Transaction Status`, `Paid In`, `Withdrawn`; `Details`, ' +
  '`Reason Type`, `Other Party Info` and `A/C No.` when present), in any order. Every `Completed` paid-in row is ' +
  "compared with the payments over the statement's period (its `Time Period` line, or its rows' first and last " +
  'Completion Time): `matched`, `amountDiffers`, `missingInOurs` (kept as an `unmatched` Receipt, source ' +
  '`statement`, no phone when M-Pesa masked it), `missingInMpesa`, `duplicates` and `ignored` (charge, settlement ' +
  'and withdrawn rows, rows not Completed). Amounts are whole KES: a Paid In with cents is not rounded but noted on its line.\n\n' +
  'Importing the same file again changes nothing: when the comparison comes out as before, the earlier Report is ' +
  'answered (with `Idempotent-Replayed: true`); when the books changed in between, a new Report is written. ' +
  'A file that is not a statement answers 400 naming what is missing (`missingColumns` for the header row).';

@ApiTags('Reconciliation')
@ApiExtraModels(ReportResponse)
@Controller('api/reconciliation')
@RequireRole('admin')
export class ReconciliationController {
  constructor(
    private readonly statements: StatementImportService,
    private readonly reports: ReconciliationReportsService,
  ) {}

  @Post('statements')
  @HttpCode(201)
  @UseInterceptors(StatementUploadInterceptor)
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: [STATEMENT_FIELD],
      properties: { [STATEMENT_FIELD]: { type: 'string', format: 'binary', description: 'The org-portal statement, .xlsx or .csv, at most 10 MB.' } },
    },
  })
  @ApiEndpoint({
    summary: 'Import an M-PESA org-portal statement',
    description: IMPORT,
    access: 'admin',
    success: { status: 201, description: 'The Report.', type: ReportResponse },
    errors: ['VALIDATION_FAILED', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'],
  })
  async importStatement(@UploadedFile() file: UploadedStatement | undefined, @Res({ passthrough: true }) res: Response) {
    if (!file) throw missingFile();
    const { report, replayed } = await this.statements.import(file);
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    return report;
  }

  @Get('reports')
  @ApiEndpoint({
    summary: 'List reconciliation reports',
    description: 'Newest first, a page at a time (`limit`, `cursor`). Each Report is listed with its counts but without its lines.',
    access: 'admin',
    success: { status: 200, description: 'A page of reports.', type: ReportPageResponse },
    errors: ['VALIDATION_FAILED'],
  })
  list(@Query() query: PageQueryDto) {
    return this.reports.list(query);
  }

  @Get('reports/:id')
  @ApiUuidParam('id', 'The report.')
  @ApiEndpoint({
    summary: 'Get a reconciliation report',
    description:
      'The Report with its lines; `?format=csv` answers the lines as a CSV attachment (UTF-8 with a byte order mark, one ' +
      'line per row, the columns flattened). Cells beginning with `=`, `+`, `-`, `@`, a tab or a carriage return are ' +
      "prefixed with `'` so a spreadsheet never runs them as formulas.",
    access: 'admin',
    success: {
      status: 200,
      description: 'The Report, or its lines as CSV.',
      content: {
        'application/json': { schema: { $ref: getSchemaPath(ReportResponse) } },
        'text/csv': { schema: { type: 'string' }, example: 'kind,receipt,paymentId,…\r\nmatched,UF1AB2CD3E,5d0c4a9e-…\r\n' },
      },
    },
    errors: ['VALIDATION_FAILED', 'NOT_FOUND'],
  })
  async get(@Param('id', uuidParam) id: string, @Query() query: ReportFormatQuery, @Res({ passthrough: true }) res: Response) {
    const report = await this.reports.get(id);
    if (query.format !== 'csv') return report;
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="reconciliation-report-${report.id}.csv"`);
    return reportCsv(report.lines);
  }
}
