import { Controller, Get, Headers, Inject, Param, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { METERING_CONFIG, type MeteringConfig } from '../../config/metering.config';
import { bearerMatches } from './admin-auth';
import { buildStatement, statementCsv } from './statement';
import { parseStatementRequest } from './statement-request';
import { UsageRepository } from './usage.repository';

/** GET /admin/v1/usage/statements/{client_id}/{YYYY-MM}: a client's monthly statement for invoicing, JSON or CSV. */
@Controller('admin/v1/usage/statements')
export class StatementController {
  constructor(
    @Inject(METERING_CONFIG) private readonly config: MeteringConfig,
    private readonly usage: UsageRepository,
  ) {}

  @Get(':clientId/:period')
  async statement(
    @Headers('authorization') authorization: string | undefined,
    @Param('clientId') clientId: string,
    @Param('period') period: string,
    @Query() query: Record<string, unknown>,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    reply.header('cache-control', 'no-store');
    if (!bearerMatches(authorization, this.config.adminToken)) {
      void reply.status(401).send({ error: 'invalid or missing admin token (Authorization: Bearer <ADMIN_TOKEN>)' });
      return;
    }
    const generatedAt = new Date();
    const parsed = parseStatementRequest(clientId, period, query, generatedAt);
    if (!parsed.ok) {
      void reply.status(400).send({ error: parsed.error });
      return;
    }
    const { request } = parsed;
    const data = await this.usage.statementData(request.clientId, request.from, request.to);
    if (!data) {
      void reply.status(404).send({ error: 'client not found' });
      return;
    }
    const statement = buildStatement({ request, ...data, generatedAt });
    switch (request.format) {
      case 'json':
        void reply.status(200).header('content-type', 'application/json; charset=utf-8').send(statement);
        return;
      case 'csv':
        void reply
          .status(200)
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="statement-${request.clientId}-${request.period}.csv"`)
          .send(statementCsv(statement));
        return;
    }
  }
}
