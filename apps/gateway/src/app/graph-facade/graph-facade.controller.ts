import { Controller, Delete, Get, Param, Post, Query, type RawBodyRequest, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiQuery, ApiResponse } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isObject } from '@wabridge/util';
import { AllowBearerKey, Partner, PartnerAuthGuard } from '../auth/partner-auth.guard';
import type { PartnerChannel } from '../auth/partner-auth.service';
import { metaError, unknownObject } from '../errors/api-exception';
import { relay } from '../graph/upstream-reply';
import { GraphErrors, GraphStyleApi, Schemas, TAGS } from '../openapi/api-docs';
import { TemplatesService } from '../templates/templates.service';
import { GraphFacadeService } from './graph-facade.service';
import { deleteTemplateQuery, GRAPH_VERSION, isGraphId } from './graph-paths';

/** `/{version}/{id}` only where the first segment is a Graph version, so other two-segment paths stay a plain 404. */
const VERSIONED_NODE = ':version(^v\\d+\\.\\d+$)/:id';

function checkVersion(version: string | undefined): void {
  if (version !== undefined && !GRAPH_VERSION.test(version)) throw metaError(404, 'Unknown path components', 2500);
}

function checkId(id: string): void {
  if (!isGraphId(id)) throw metaError(404, 'Unknown path components', 2500);
}

function jsonBody(request: RawBodyRequest<FastifyRequest>): Buffer {
  if (!isObject(request.body) || !Buffer.isBuffer(request.rawBody)) throw metaError(400, '(#100) The request body must be a JSON object');
  return request.rawBody;
}

/** The caller's own `access_token`, kept on paging links for clients that follow them as given. */
function callerToken(request: FastifyRequest): URLSearchParams | undefined {
  const token = (request.query as Record<string, unknown> | undefined)?.access_token;
  const bySomethingElse = request.headers['d360-api-key'] !== undefined || request.headers.authorization !== undefined;
  return typeof token === 'string' && !bySomethingElse ? new URLSearchParams({ access_token: token }) : undefined;
}

/**
 * The Graph facade: Meta SDKs and Meta-style clients pointed at the gateway, on versioned
 * (`/v21.0/...`) and unversioned paths (Graph's default version), with the key as `D360-API-KEY`,
 * `Authorization: Bearer` or `access_token`. Every id must be the key's own number, WABA or media;
 * any other answers 404 in Graph's shape.
 */
@Controller()
@UseGuards(PartnerAuthGuard)
@GraphStyleApi(TAGS.graph)
@GraphErrors()
export class GraphFacadeController {
  constructor(
    private readonly facade: GraphFacadeService,
    private readonly templates: TemplatesService,
  ) {}

  @Get(':id')
  @AllowBearerKey()
  @ApiOperation({
    summary: "A Graph node by id: the key's number, its WABA, or media of the number",
    description: "Media answers carry a `url` on the gateway. Any other id: 404. `fields` is limited to the node's own fields (`health_status` included).",
  })
  @ApiParam({ name: 'id' })
  @ApiQuery({ name: 'fields', required: false, example: 'health_status' })
  @ApiResponse({ status: 200, schema: Schemas.mediaMetadata })
  @ApiResponse({ status: 404, description: "not an object of the key's channel", schema: Schemas.metaError })
  async node(@Partner() channel: PartnerChannel, @Param('id') id: string, @Query('fields') fields: unknown, @Res() reply: FastifyReply): Promise<void> {
    checkId(id);
    relay(reply, await this.facade.node(channel, id, fields));
  }

  @Get(VERSIONED_NODE)
  @AllowBearerKey()
  @ApiOperation({ summary: 'A Graph node by id (versioned path)' })
  @ApiParam({ name: 'version', example: 'v21.0' })
  @ApiParam({ name: 'id' })
  @ApiQuery({ name: 'fields', required: false, example: 'health_status' })
  @ApiResponse({ status: 200, schema: Schemas.mediaMetadata })
  @ApiResponse({ status: 404, description: "not an object of the key's channel", schema: Schemas.metaError })
  async versionedNode(
    @Partner() channel: PartnerChannel,
    @Param('version') version: string,
    @Param('id') id: string,
    @Query('fields') fields: unknown,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    checkVersion(version);
    checkId(id);
    relay(reply, await this.facade.node(channel, id, fields));
  }

  @Delete(':id')
  @AllowBearerKey()
  @ApiOperation({ summary: 'Delete media of the number', description: "Checked to be media of the key's number first; any other id: 404." })
  @ApiParam({ name: 'id' })
  @ApiResponse({ status: 200, schema: Schemas.success })
  @ApiResponse({ status: 404, description: "not media of the key's channel", schema: Schemas.metaError })
  async remove(@Partner() channel: PartnerChannel, @Param('id') id: string, @Res() reply: FastifyReply): Promise<void> {
    checkId(id);
    relay(reply, await this.facade.remove(channel, id));
  }

  @Delete(VERSIONED_NODE)
  @AllowBearerKey()
  @ApiOperation({ summary: 'Delete media of the number (versioned path)' })
  @ApiParam({ name: 'version', example: 'v21.0' })
  @ApiParam({ name: 'id' })
  @ApiResponse({ status: 200, schema: Schemas.success })
  @ApiResponse({ status: 404, description: "not media of the key's channel", schema: Schemas.metaError })
  async versionedRemove(
    @Partner() channel: PartnerChannel,
    @Param('version') version: string,
    @Param('id') id: string,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    checkVersion(version);
    checkId(id);
    relay(reply, await this.facade.remove(channel, id));
  }

  @Get([':wabaId/message_templates', ':version/:wabaId/message_templates'])
  @AllowBearerKey()
  @ApiOperation({
    summary: "The WABA's templates (Graph `{data, paging}`)",
    description: "`paging.next` points at the gateway and keeps the caller's `access_token` when it authenticated with one.",
  })
  @ApiParam({ name: 'wabaId' })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer' } })
  @ApiQuery({ name: 'after', required: false })
  @ApiResponse({ status: 200, schema: Schemas.graphTemplates })
  @ApiResponse({ status: 404, description: "not the key's WABA", schema: Schemas.metaError })
  async listTemplates(
    @Partner() channel: PartnerChannel,
    @Param('version') version: string | undefined,
    @Param('wabaId') wabaId: string,
    @Query() query: Record<string, unknown>,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    this.checkWaba(channel, version, wabaId);
    const path = `${version === undefined ? '' : `/${version}`}/${wabaId}/message_templates`;
    relay(reply, await this.templates.graphList(channel, query, path, callerToken(request)));
  }

  @Post([':wabaId/message_templates', ':version/:wabaId/message_templates'])
  @AllowBearerKey()
  @ApiOperation({ summary: 'Create a template in the WABA', description: "Forwarded to Meta; Meta's answer is relayed." })
  @ApiParam({ name: 'wabaId' })
  @ApiBody({ schema: Schemas.templateCreate })
  @ApiResponse({ status: 200, schema: { type: 'object', properties: { id: { type: 'string' }, status: { type: 'string' }, category: { type: 'string' } } } })
  @ApiResponse({ status: 404, description: "not the key's WABA", schema: Schemas.metaError })
  async createTemplate(
    @Partner() channel: PartnerChannel,
    @Param('version') version: string | undefined,
    @Param('wabaId') wabaId: string,
    @Req() request: RawBodyRequest<FastifyRequest>,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    this.checkWaba(channel, version, wabaId);
    relay(reply, await this.templates.create(channel, jsonBody(request)));
  }

  @Delete([':wabaId/message_templates', ':version/:wabaId/message_templates'])
  @AllowBearerKey()
  @ApiOperation({ summary: 'Delete a template by name (every language, or only `hsm_id`)' })
  @ApiParam({ name: 'wabaId' })
  @ApiQuery({ name: 'name', required: true })
  @ApiQuery({ name: 'hsm_id', required: false })
  @ApiResponse({ status: 200, schema: Schemas.success })
  @ApiResponse({ status: 404, description: "not the key's WABA", schema: Schemas.metaError })
  async deleteTemplate(
    @Partner() channel: PartnerChannel,
    @Param('version') version: string | undefined,
    @Param('wabaId') wabaId: string,
    @Query('name') name: unknown,
    @Query('hsm_id') hsmId: unknown,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    this.checkWaba(channel, version, wabaId);
    const query = deleteTemplateQuery.safeParse({ name, hsm_id: hsmId });
    if (!query.success) throw metaError(400, query.error.issues[0].message);
    relay(reply, await this.templates.remove(channel, query.data.name, query.data.hsm_id));
  }

  @Get(['whatsapp_business_profile', ':phoneNumberId/whatsapp_business_profile', ':version/:phoneNumberId/whatsapp_business_profile'])
  @AllowBearerKey()
  @ApiOperation({ summary: "The number's business profile", description: 'Graph `{data: [profile]}`; `fields` limited to the profile fields.' })
  @ApiQuery({ name: 'fields', required: false, example: 'about,description,websites' })
  @ApiResponse({ status: 200, schema: { type: 'object', properties: { data: { type: 'array', items: { type: 'object', additionalProperties: true } } } } })
  @ApiResponse({ status: 404, description: "not the key's number", schema: Schemas.metaError })
  async profile(
    @Partner() channel: PartnerChannel,
    @Param('version') version: string | undefined,
    @Param('phoneNumberId') phoneNumberId: string | undefined,
    @Query('fields') fields: unknown,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    this.checkNumber(channel, version, phoneNumberId);
    relay(reply, await this.facade.profile(channel, fields));
  }

  @Post(['whatsapp_business_profile', ':phoneNumberId/whatsapp_business_profile', ':version/:phoneNumberId/whatsapp_business_profile'])
  @AllowBearerKey()
  @ApiOperation({
    summary: "Update the number's business profile",
    description: "Forwarded to Meta (`messaging_product` required there); Meta's answer is relayed.",
  })
  @ApiBody({ schema: { type: 'object', additionalProperties: true } })
  @ApiResponse({ status: 200, schema: Schemas.success })
  @ApiResponse({ status: 404, description: "not the key's number", schema: Schemas.metaError })
  async updateProfile(
    @Partner() channel: PartnerChannel,
    @Param('version') version: string | undefined,
    @Param('phoneNumberId') phoneNumberId: string | undefined,
    @Req() request: RawBodyRequest<FastifyRequest>,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    this.checkNumber(channel, version, phoneNumberId);
    relay(reply, await this.facade.updateProfile(channel, jsonBody(request)));
  }

  private checkWaba(channel: PartnerChannel, version: string | undefined, wabaId: string): void {
    checkVersion(version);
    checkId(wabaId);
    if (wabaId !== channel.wabaId) throw unknownObject(wabaId);
  }

  private checkNumber(channel: PartnerChannel, version: string | undefined, phoneNumberId: string | undefined): void {
    checkVersion(version);
    if (phoneNumberId === undefined) return;
    checkId(phoneNumberId);
    if (phoneNumberId !== channel.phoneNumberId) throw unknownObject(phoneNumberId);
  }
}
