import { Controller, Delete, Get, Param, Post, Query, type RawBodyRequest, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiQuery, ApiResponse } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isObject } from '@wabridge/util';
import { Partner, PartnerAuthGuard } from '../auth/partner-auth.guard';
import type { PartnerChannel } from '../auth/partner-auth.service';
import { metaError } from '../errors/api-exception';
import { relay } from '../graph/upstream-reply';
import { GraphErrors, PartnerApi, Schemas, TAGS } from '../openapi/api-docs';
import { TemplatesService } from './templates.service';
import { parseWabaListQuery } from './waba-templates';

/** Meta's template names: lower case, digits and underscores. Anything else cannot exist upstream. */
const TEMPLATE_NAME = /^[a-z0-9_]{1,512}$/;

/** Message templates of the key's WABA, in 360dialog's `/v1/configs/templates` form and Graph's `/message_templates`. */
@Controller()
@UseGuards(PartnerAuthGuard)
@PartnerApi(TAGS.templates)
@GraphErrors()
export class TemplatesController {
  constructor(private readonly templates: TemplatesService) {}

  @Get('v1/configs/templates')
  @ApiOperation({
    summary: "The WABA's templates in 360dialog's `waba_templates` list shape",
    description: 'Offset-paginated over every template of the WABA; `status` in lower case as 360dialog lists it.',
  })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 1000 } })
  @ApiQuery({ name: 'offset', required: false, schema: { type: 'integer', minimum: 0, default: 0 } })
  @ApiQuery({ name: 'filters', required: false, description: 'JSON object over id, name, language, status, category', example: '{"name":"order_shipped"}' })
  @ApiQuery({ name: 'sort', required: false, example: 'business_templates.name' })
  @ApiResponse({ status: 200, schema: Schemas.wabaTemplates })
  async list(@Partner() channel: PartnerChannel, @Query() query: Record<string, unknown>, @Res() reply: FastifyReply): Promise<void> {
    const parsed = parseWabaListQuery(query);
    if (!parsed.ok) throw metaError(400, `(#100) ${parsed.error}`);
    const answer = await this.templates.wabaList(channel, parsed.value);
    if (answer.kind === 'upstream') {
      relay(reply, answer.result);
      return;
    }
    void reply.status(200).send(answer.body);
  }

  @Post('v1/configs/templates')
  @ApiOperation({ summary: 'Create a template', description: "Forwarded to Meta's `/{waba_id}/message_templates`; Meta's answer is relayed." })
  @ApiBody({ schema: Schemas.templateCreate })
  @ApiResponse({ status: 200, schema: { type: 'object', properties: { id: { type: 'string' }, status: { type: 'string' }, category: { type: 'string' } } } })
  async create(@Partner() channel: PartnerChannel, @Req() request: RawBodyRequest<FastifyRequest>, @Res() reply: FastifyReply): Promise<void> {
    if (!isObject(request.body) || !Buffer.isBuffer(request.rawBody)) throw metaError(400, '(#100) The request body must be a JSON object');
    relay(reply, await this.templates.create(channel, request.rawBody));
  }

  @Delete('v1/configs/templates/:name')
  @ApiOperation({ summary: 'Delete every language of a template' })
  @ApiParam({ name: 'name' })
  @ApiResponse({ status: 200, schema: Schemas.success })
  async remove(@Partner() channel: PartnerChannel, @Param('name') name: string, @Res() reply: FastifyReply): Promise<void> {
    if (!TEMPLATE_NAME.test(name)) throw metaError(400, '(#100) name must be lower-case letters, digits and underscores');
    relay(reply, await this.templates.remove(channel, name));
  }

  @Get('message_templates')
  @ApiOperation({
    summary: "The WABA's templates in Graph's `{data, paging}` shape",
    description: "Graph's list parameters pass through; paging links point at the gateway.",
  })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer' } })
  @ApiQuery({ name: 'after', required: false })
  @ApiQuery({ name: 'status', required: false })
  @ApiResponse({ status: 200, schema: Schemas.graphTemplates })
  async graphList(@Partner() channel: PartnerChannel, @Query() query: Record<string, unknown>, @Res() reply: FastifyReply): Promise<void> {
    relay(reply, await this.templates.graphList(channel, query));
  }
}
