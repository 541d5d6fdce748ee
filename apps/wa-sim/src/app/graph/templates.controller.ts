import { Body, Controller, Delete, Get, Headers, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GraphTokenService } from './graph-token.service';
import { checkNewTemplate, duplicateTemplateError, listPage, newTemplateId, templateNotFoundError } from './message-templates';
import { invalidTokenError, metaError } from './meta-payloads';
import { TemplateStoreService } from './template-store.service';

const MAX_LIMIT = 1000;

function single(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** `/{waba_id}/message_templates`: list (cursor-paginated), create, delete by name. */
@Controller(':version/:wabaId/message_templates')
export class TemplatesController {
  constructor(
    private readonly token: GraphTokenService,
    private readonly store: TemplateStoreService,
  ) {}

  @Get()
  list(
    @Param('version') version: string,
    @Param('wabaId') wabaId: string,
    @Query() query: Record<string, unknown>,
    @Headers('authorization') authorization: string | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): void {
    if (!this.token.authorized(authorization)) {
      void reply.status(401).send(invalidTokenError());
      return;
    }
    const limit = query.limit === undefined ? 25 : Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      void reply.status(400).send(metaError(100, `(#100) Param limit must be an integer between 1 and ${MAX_LIMIT}`));
      return;
    }
    const listQuery = {
      limit,
      after: single(query.after),
      name: single(query.name),
      status: single(query.status),
      category: single(query.category),
      language: single(query.language),
      summary: typeof query.summary === 'string' && query.summary.split(',').includes('total_count'),
    };
    const base = `http://${request.headers.host ?? 'localhost'}/${version}/${encodeURIComponent(wabaId)}/message_templates`;
    const page = listPage(this.store.list(wabaId), listQuery, (after) => {
      const next = new URLSearchParams();
      for (const [key, value] of Object.entries(query)) if (typeof value === 'string' && key !== 'after') next.set(key, value);
      next.set('limit', String(limit));
      next.set('after', after);
      return `${base}?${next.toString()}`;
    });
    if (!page) {
      void reply.status(400).send(metaError(100, '(#100) Invalid cursor'));
      return;
    }
    void reply.status(200).send(page);
  }

  @Post()
  create(
    @Param('wabaId') wabaId: string,
    @Body() body: unknown,
    @Headers('authorization') authorization: string | undefined,
    @Res() reply: FastifyReply,
  ): void {
    if (!this.token.authorized(authorization)) {
      void reply.status(401).send(invalidTokenError());
      return;
    }
    const check = checkNewTemplate(body);
    if (!check.ok) {
      void reply.status(check.status).send(check.body);
      return;
    }
    const { template } = check;
    if (this.store.list(wabaId).some((existing) => existing.name === template.name && existing.language === template.language)) {
      void reply.status(400).send(duplicateTemplateError());
      return;
    }
    // the simulator approves at once, so tests can send the template right away
    const stored = { id: newTemplateId(), status: 'APPROVED', ...template };
    this.store.add(wabaId, stored);
    void reply.status(200).send({ id: stored.id, status: stored.status, category: stored.category });
  }

  @Delete()
  remove(
    @Param('wabaId') wabaId: string,
    @Query('name') name: unknown,
    @Query('hsm_id') hsmId: unknown,
    @Headers('authorization') authorization: string | undefined,
    @Res() reply: FastifyReply,
  ): void {
    if (!this.token.authorized(authorization)) {
      void reply.status(401).send(invalidTokenError());
      return;
    }
    const templateName = single(name);
    if (!templateName) {
      void reply.status(400).send(metaError(100, '(#100) The parameter name is required.'));
      return;
    }
    if (this.store.remove(wabaId, templateName, single(hsmId)) === 0) {
      void reply.status(400).send(templateNotFoundError(templateName));
      return;
    }
    void reply.status(200).send({ success: true });
  }
}
