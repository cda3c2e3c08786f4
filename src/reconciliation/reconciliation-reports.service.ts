// Reading stored Reports: the list (without lines) and one Report with its lines.
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { NotFoundError } from '../common/domain-error';
import { DEFAULT_PAGE_SIZE, fetchPage, Page, PageQueryDto } from '../common/pagination';
import { ReconciliationReport } from './reconciliation-report.entity';
import { orderedLine, Report, ReportSummary } from './report';
import { reportSummary } from './report.view';

@Injectable()
export class ReconciliationReportsService {
  constructor(@InjectRepository(ReconciliationReport) private readonly repo: Repository<ReconciliationReport>) {}

  list(query: PageQueryDto): Promise<Page<ReportSummary>> {
    return fetchPage(this.repo.createQueryBuilder('r'), { limit: query.limit ?? DEFAULT_PAGE_SIZE, cursor: query.cursor, order: 'newest-first' }, reportSummary);
  }

  async get(id: string): Promise<Report> {
    const row = await this.repo.createQueryBuilder('r').addSelect('r.lines').where('r.id = :id', { id }).getOne();
    if (!row) throw new NotFoundError('Report', id);
    return { ...reportSummary(row), lines: row.lines.map(orderedLine) };
  }
}
