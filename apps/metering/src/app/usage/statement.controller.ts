import { Controller, Get, Param, Query, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AdminAuthGuard } from './admin-auth.guard';
import { sendReport } from './report-reply';
import { buildStatement, statementCsv } from './statement';
import { parseStatementRequest } from './statement-request';
import { UsageRepository } from './usage.repository';

/** GET /admin/v1/usage/statements/{client_id}/{YYYY-MM}: a client's monthly statement for invoicing, JSON or CSV. */
@Controller('admin/v1/usage/statements')
@UseGuards(AdminAuthGuard)
export class StatementController {
  constructor(private readonly usage: UsageRepository) {}

  @Get(':clientId/:period')
  async statement(
    @Param('clientId') clientId: string,
    @Param('period') period: string,
    @Query() query: Record<string, unknown>,
    @Res() reply: FastifyReply,
  ): Promise<void> {
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
