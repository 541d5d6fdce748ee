import { Controller, Get, Query, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AdminAuthGuard } from './admin-auth.guard';
import { sendReport } from './report-reply';
import { parseUsageQuery } from './usage-query';
import { buildUsageReport, usageReportCsv } from './usage-report';
import { UsageRepository } from './usage.repository';

/** GET /admin/v1/usage (docs/metering.md, Reports): a client's metered counts for invoicing, as JSON or CSV. */
@Controller('admin/v1/usage')
@UseGuards(AdminAuthGuard)
export class UsageController {
  constructor(private readonly usage: UsageRepository) {}

  @Get()
  async report(@Query() raw: Record<string, unknown>, @Res() reply: FastifyReply): Promise<void> {
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
