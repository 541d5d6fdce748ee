import { Controller, Get, Headers, Inject, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { METERING_CONFIG, type MeteringConfig } from '../../config/metering.config';
import { admitOperator, sendReport } from './report-reply';
import { parseUsageQuery } from './usage-query';
import { buildUsageReport, usageReportCsv } from './usage-report';
import { UsageRepository } from './usage.repository';

/** GET /admin/v1/usage (docs/metering.md, Reports): a client's metered counts for invoicing, as JSON or CSV. */
@Controller('admin/v1/usage')
export class UsageController {
  constructor(
    @Inject(METERING_CONFIG) private readonly config: MeteringConfig,
    private readonly usage: UsageRepository,
  ) {}

  @Get()
  async report(
    @Headers('authorization') authorization: string | undefined,
    @Query() raw: Record<string, unknown>,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (!admitOperator(reply, authorization, this.config.adminToken)) return;
    const parsed = parseUsageQuery(raw, new Date());
    if (!parsed.ok) {
      void reply.status(400).send({ error: parsed.error });
      return;
    }
    const { query } = parsed;
    if (!(await this.usage.clientExists(query.clientId))) {
      void reply.status(404).send({ error: 'client not found' });
      return;
    }
    const { templates, priced } = await this.usage.counts(query.clientId, query.from, query.to);
    const report = buildUsageReport(query, templates, priced);
    sendReport(reply, query.format, report, () => usageReportCsv(report), `usage-${query.clientId}-${query.from}-${query.to}-${query.groupBy}.csv`);
  }
}
