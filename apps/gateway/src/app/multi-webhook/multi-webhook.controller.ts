import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, Req, UseGuards } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiQuery, ApiResponse } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Partner, PartnerAuthGuard } from '../auth/partner-auth.guard';
import type { PartnerChannel } from '../auth/partner-auth.service';
import { viaOnPremiseBase } from '../onprem/onprem-base';
import { PartnerApi, Schemas, TAGS } from '../openapi/api-docs';
import { MultiWebhookService, multiWebhookError, type ExtraRotatedSecret, type MultiWebhookChange, type MultiWebhookView } from './multi-webhook.service';
import { namedPatchBody, parseWith, removeNameQuery, rotateNameQuery, type MultiWebhookParse } from './multi-webhook-request';

/** The value, or the request's 400 in the /multi_webhook error shape. */
function valid<T>(parsed: MultiWebhookParse<T>): T {
  if (!parsed.ok) throw multiWebhookError(parsed.status, parsed.error);
  return parsed.value;
}

/**
 * 360dialog's /multi_webhook: named extra destinations that each receive a copy of every event,
 * next to the primary webhook of /v1/configs/webhook. Every change answers 200 with the resulting state;
 * a secret rotation answers with the destination's new secret.
 */
@Controller('multi_webhook')
@UseGuards(PartnerAuthGuard)
@PartnerApi(TAGS.multiWebhook)
@ApiResponse({ status: 400, description: 'bad input or unsafe URL/headers', schema: Schemas.multiWebhookError })
export class MultiWebhookController {
  constructor(private readonly multiWebhook: MultiWebhookService) {}

  @Get()
  @ApiOperation({
    summary: 'Whether the feature is on, and the extra destinations',
    description: "Of the key's partner slot: each slot switches the feature on for itself, and MULTI_WEBHOOK_MAX counts per slot.",
  })
  @ApiResponse({ status: 200, schema: Schemas.multiWebhookState })
  current(@Partner() channel: PartnerChannel): Promise<MultiWebhookView> {
    return this.multiWebhook.current(channel);
  }

  /** `{enabled, destinations?}` replaces the whole set. */
  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Switch on or off and replace every extra destination',
    description:
      'Each destination gets its own signing secret, shown in this answer only. `enabled: false` removes them all. Through `/onprem/multi_webhook` the on-premise body shape is the default (an explicit `on_premise_format` wins), as for the primary webhook.',
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['enabled'],
      properties: { enabled: { type: 'boolean' }, destinations: { type: 'array', items: Schemas.extraDestination } },
    },
  })
  @ApiResponse({ status: 200, schema: Schemas.multiWebhookChange })
  @ApiResponse({ status: 409, description: 'a name repeats or the cap (MULTI_WEBHOOK_MAX) is exceeded', schema: Schemas.multiWebhookError })
  replace(@Partner() channel: PartnerChannel, @Body() body: unknown, @Req() request: FastifyRequest): Promise<MultiWebhookChange> {
    // through /onprem the on-premise body shape is the default, as for the primary webhook
    return this.multiWebhook.replace(channel, body, { onPremiseFormat: viaOnPremiseBase(request) });
  }

  /** `{destinations}` appends. */
  @Put()
  @HttpCode(200)
  @ApiOperation({ summary: 'Append destinations' })
  @ApiBody({ schema: { type: 'object', required: ['destinations'], properties: { destinations: { type: 'array', items: Schemas.extraDestination } } } })
  @ApiResponse({ status: 200, schema: Schemas.multiWebhookChange })
  @ApiResponse({ status: 409, description: 'the feature is off, a name is taken, or the cap would be exceeded', schema: Schemas.multiWebhookError })
  append(@Partner() channel: PartnerChannel, @Body() body: unknown, @Req() request: FastifyRequest): Promise<MultiWebhookChange> {
    return this.multiWebhook.append(channel, body, { onPremiseFormat: viaOnPremiseBase(request) });
  }

  /** `{name, url?, headers?}` changes one destination. */
  @Patch()
  @HttpCode(200)
  @ApiOperation({ summary: 'Change the url or headers of one destination, by name', description: 'The destination keeps its signing secret.' })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['name'],
      properties: {
        name: { type: 'string' },
        url: { type: 'string' },
        headers: { type: 'object', additionalProperties: { type: 'string' } },
        events: { type: 'array', items: { type: 'string' }, nullable: true, description: 'see `events` of a destination; null lifts the filter' },
      },
    },
  })
  @ApiResponse({ status: 200, schema: Schemas.multiWebhookChange })
  @ApiResponse({ status: 404, description: 'no destination of that name', schema: Schemas.multiWebhookError })
  patch(@Partner() channel: PartnerChannel, @Body() body: unknown): Promise<MultiWebhookChange> {
    return this.multiWebhook.patch(channel, body);
  }

  @Patch(':name')
  @HttpCode(200)
  @ApiOperation({ summary: 'Change one destination, named in the path' })
  @ApiParam({ name: 'name' })
  @ApiBody({
    schema: {
      type: 'object',
      properties: {
        url: { type: 'string' },
        headers: { type: 'object', additionalProperties: { type: 'string' } },
        events: { type: 'array', items: { type: 'string' }, nullable: true, description: 'see `events` of a destination; null lifts the filter' },
      },
    },
  })
  @ApiResponse({ status: 200, schema: Schemas.multiWebhookChange })
  @ApiResponse({ status: 404, description: 'no destination of that name', schema: Schemas.multiWebhookError })
  patchNamed(@Partner() channel: PartnerChannel, @Param('name') name: string, @Body() body: unknown): Promise<MultiWebhookChange> {
    return this.multiWebhook.patch(channel, { ...valid(parseWith(namedPatchBody, body)), name });
  }

  /** The previous secret keeps signing for 24 h, so the partner can switch its verification without losing a delivery. */
  @Post(':name/rotate-secret')
  @HttpCode(200)
  @ApiOperation({ summary: 'A new signing secret for one destination, named in the path; the previous one keeps signing for 24 h' })
  @ApiParam({ name: 'name' })
  @ApiResponse({ status: 200, schema: Schemas.extraRotatedSecret })
  @ApiResponse({ status: 404, description: 'no destination of that name, or it was disabled after a 410 Gone', schema: Schemas.multiWebhookError })
  rotateNamed(@Partner() channel: PartnerChannel, @Param('name') name: string): Promise<ExtraRotatedSecret> {
    return this.multiWebhook.rotateSecret(channel, name);
  }

  @Post('rotate-secret')
  @HttpCode(200)
  @ApiOperation({ summary: 'A new signing secret for one destination (`?name=`); the previous one keeps signing for 24 h' })
  @ApiQuery({ name: 'name', required: true })
  @ApiResponse({ status: 200, schema: Schemas.extraRotatedSecret })
  @ApiResponse({ status: 404, description: 'no destination of that name, or it was disabled after a 410 Gone', schema: Schemas.multiWebhookError })
  rotate(@Partner() channel: PartnerChannel, @Query('name') name: unknown): Promise<ExtraRotatedSecret> {
    return this.multiWebhook.rotateSecret(channel, valid(parseWith(rotateNameQuery, name)));
  }

  /** Without `?name=`, every destination goes and the feature is switched off. */
  @Delete()
  @HttpCode(200)
  @ApiOperation({ summary: 'Delete one destination (`?name=`), or all of them and switch the feature off' })
  @ApiQuery({ name: 'name', required: false })
  @ApiResponse({ status: 200, schema: Schemas.multiWebhookChange })
  @ApiResponse({ status: 404, description: 'no destination of that name', schema: Schemas.multiWebhookError })
  remove(@Partner() channel: PartnerChannel, @Query('name') name: unknown): Promise<MultiWebhookChange> {
    return this.multiWebhook.remove(channel, valid(parseWith(removeNameQuery, name)));
  }

  @Delete(':name')
  @HttpCode(200)
  @ApiOperation({ summary: 'Delete one destination, named in the path' })
  @ApiParam({ name: 'name' })
  @ApiResponse({ status: 200, schema: Schemas.multiWebhookChange })
  @ApiResponse({ status: 404, description: 'no destination of that name', schema: Schemas.multiWebhookError })
  removeNamed(@Partner() channel: PartnerChannel, @Param('name') name: string): Promise<MultiWebhookChange> {
    return this.multiWebhook.remove(channel, name);
  }
}
