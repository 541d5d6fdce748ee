import { Controller, Get, Headers, Inject, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { METERING_CONFIG, type MeteringConfig } from '../../config/metering.config';
import { bearerMatches } from './admin-auth';
import { parseUsageQuery } from './usage-query';
import { buildUsageReport, usageReportCsv } from './usage-report';
import { UsageRepository } from './usage.repository';

/** GET /admin/v1/usage (SPEC §5): a client's metered counts for invoicing, as JSON or CSV. */
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
    reply.header('cache-control', 'no-store');
    if (!bearerMatches(authorization, this.config.adminToken)) {
      void reply.status(401).send({ error: 'invalid or missing admin token (Authorization: Bearer <ADMIN_TOKEN>)' });
      return;
    }
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
    switch (query.format) {
      case 'json':
        void reply.status(200).header('content-type', 'application/json; charset=utf-8').send(report);
        return;
      case 'csv':
        void reply
          .status(200)
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="usage-${query.clientId}-${query.from}-${query.to}-${query.groupBy}.csv"`)
          .send(usageReportCsv(report));
        return;
    }
  }
}
