import { Controller, Get, Headers, Inject, Param, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { METERING_CONFIG, type MeteringConfig } from '../../config/metering.config';
import { admitOperator, sendReport } from './report-reply';
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
    if (!admitOperator(reply, authorization, this.config.adminToken)) return;
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
    sendReport(reply, request.format, statement, () => statementCsv(statement), `statement-${request.clientId}-${request.period}.csv`);
  }
}
