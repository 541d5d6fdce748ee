import { Controller, Get, HttpCode, Inject, Param, Patch, Post, Put, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiParam, ApiQuery, ApiResponse } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { isObject, type JsonObject } from '@wabridge/util';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import { Partner, PartnerAuthGuard } from '../auth/partner-auth.guard';
import type { PartnerChannel } from '../auth/partner-auth.service';
import { GraphApiClient, type UpstreamResult } from '../graph/graph-api.client';
import { isSuccess, parseJsonOrUndefined } from '../graph/upstream-reply';
import { MediaService } from '../media/media.service';
import { SendService } from '../messages/send.service';
import { PartnerApi, TAGS } from '../openapi/api-docs';
import { INVALID, meta, onPremiseBusinessProfile, onPremiseError, onPremiseHealth, profileField, upstreamFailure } from './on-premise-shapes';
import { aboutBody, businessProfileUpdate, contactsCheck, markReadBody, parseOnPremiseInput, photoQuery } from './legacy-requests';
import { asMultipartUpload, rawUploadType } from './raw-upload';

const MESSAGE_ID = /^[A-Za-z0-9.+/=_-]{1,256}$/;
const onPremiseErrorSchema = {
  type: 'object',
  properties: {
    meta: { type: 'object' },
    errors: { type: 'array', items: { type: 'object', properties: { code: { type: 'integer' }, title: { type: 'string' }, details: { type: 'string' } } } },
  },
};
const metaOnly = { type: 'object', properties: { meta: { type: 'object', properties: { api_status: { type: 'string' }, version: { type: 'string' } } } } };

/**
 * Calls of the on-premise API that SDKs and older integrations still make, mapped onto the Cloud API
 * and answered in the on-premise shape (`meta` on success, `{"errors": [{code, title, details}]}` on
 * failure), so clients written for it keep working after Meta's Cloud migration.
 */
@Controller('v1')
@UseGuards(PartnerAuthGuard)
@PartnerApi(TAGS.legacy)
@ApiResponse({ status: 400, description: 'invalid input, or Meta refused it (its error in the on-premise shape)', schema: onPremiseErrorSchema })
export class LegacyController {
  private readonly version: string;

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    private readonly graph: GraphApiClient,
    private readonly sends: SendService,
    private readonly media: MediaService,
  ) {
    this.version = config.graphApi.version;
  }

  @Put('messages/:messageId')
  @HttpCode(200)
  @ApiOperation({ summary: 'Mark a message as read (on-premise)', description: 'Cloud `POST /{phone_number_id}/messages` with `status: read`.' })
  @ApiParam({ name: 'messageId' })
  @ApiBody({ schema: { type: 'object', properties: { status: { type: 'string', enum: ['read'] } }, required: ['status'] } })
  @ApiResponse({ status: 200, schema: metaOnly })
  async markRead(
    @Partner() channel: PartnerChannel,
    @Param('messageId') messageId: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (!MESSAGE_ID.test(messageId)) throw onPremiseError(400, INVALID, 'the message id is not valid', this.version);
    this.input(markReadBody, request.body);
    const cloud = { messaging_product: 'whatsapp', status: 'read', message_id: messageId };
    this.answer(reply, await this.sends.send(channel, 'on_premise', cloud, Buffer.from(JSON.stringify(cloud))), () => ({ meta: meta(this.version) }));
  }

  @Post('media')
  @ApiOperation({
    summary: 'Upload media (on-premise: the file as the raw body)',
    description: 'Streamed to Meta as a Cloud multipart upload; answers `{media: [{id}]}`.',
  })
  @ApiConsumes('application/octet-stream')
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiResponse({
    status: 201,
    schema: {
      type: 'object',
      properties: { media: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' } } } }, meta: { type: 'object' } },
    },
  })
  @ApiResponse({ status: 413, description: 'larger than MEDIA_MAX_BYTES', schema: onPremiseErrorSchema })
  async upload(@Partner() channel: PartnerChannel, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const mimeType = rawUploadType(request.headers['content-type']);
    if (mimeType === null) throw onPremiseError(400, INVALID, 'send the file as the body with its MIME type as Content-Type (e.g. image/jpeg)', this.version);
    const multipart = asMultipartUpload(request.raw, mimeType, request.headers['content-length']);
    const result = await this.media.upload(channel, multipart.body, multipart.contentType, multipart.contentLength);
    if (result.kind === 'too_large') {
      void reply.status(413).send(onPremiseError(413, INVALID, 'the file is larger than this gateway accepts', this.version).getResponse());
      return;
    }
    this.answer(
      reply,
      result,
      (cloud) => (isObject(cloud) && typeof cloud.id === 'string' ? { media: [{ id: cloud.id }], meta: meta(this.version) } : null),
      201,
    );
  }

  @Get('settings/profile/about')
  @ApiOperation({ summary: "The number's about text (on-premise)" })
  @ApiResponse({ status: 200, schema: { type: 'object', properties: { settings: { type: 'object' }, meta: { type: 'object' } } } })
  async about(@Partner() channel: PartnerChannel, @Res() reply: FastifyReply): Promise<void> {
    this.answer(reply, await this.profile(channel, 'about'), (cloud) => ({
      settings: { profile: { about: { text: (profileField(cloud, 'about') as string | undefined) ?? '' } } },
      meta: meta(this.version),
    }));
  }

  @Patch('settings/profile/about')
  @ApiOperation({ summary: "Set the number's about text (on-premise)" })
  @ApiBody({ schema: { type: 'object', properties: { text: { type: 'string', maxLength: 139 } }, required: ['text'] } })
  @ApiResponse({ status: 200, schema: metaOnly })
  async setAbout(@Partner() channel: PartnerChannel, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const { text } = this.input(aboutBody, request.body);
    const update = Buffer.from(JSON.stringify({ messaging_product: 'whatsapp', about: text }));
    this.answer(reply, await this.graph.call('POST', this.graph.path(channel.phoneNumberId, 'whatsapp_business_profile'), update), () => ({
      meta: meta(this.version),
    }));
  }

  @Get('settings/profile/photo')
  @ApiOperation({ summary: "The number's profile photo (on-premise)", description: '`?format=link` answers its link; otherwise a redirect to the picture.' })
  @ApiQuery({ name: 'format', required: false, enum: ['link'] })
  @ApiResponse({ status: 200, schema: { type: 'object', properties: { settings: { type: 'object' } } } })
  @ApiResponse({ status: 302, description: 'the picture' })
  @ApiResponse({ status: 404, description: 'no photo set', schema: onPremiseErrorSchema })
  async photo(@Partner() channel: PartnerChannel, @Query('format') format: unknown, @Res() reply: FastifyReply): Promise<void> {
    this.input(photoQuery, { format });
    const result = await this.profile(channel, 'profile_picture_url');
    if (!isSuccess(result)) {
      this.answer(reply, result, () => null);
      return;
    }
    const link = profileField(parseJsonOrUndefined(result.body), 'profile_picture_url');
    if (typeof link !== 'string' || !/^https:\/\//.test(link)) throw onPremiseError(404, INVALID, 'no profile photo is set', this.version);
    if (format === 'link') void reply.status(200).send({ settings: { profile: { photo: { link } } }, meta: meta(this.version) });
    else void reply.status(302).header('location', link).send();
  }

  @Get('settings/business/profile')
  @ApiOperation({ summary: "The number's business profile (on-premise shape)" })
  @ApiResponse({ status: 200, schema: { type: 'object', properties: { settings: { type: 'object' }, meta: { type: 'object' } } } })
  async businessProfile(@Partner() channel: PartnerChannel, @Res() reply: FastifyReply): Promise<void> {
    this.answer(reply, await this.profile(channel, 'address,description,email,vertical,websites'), (cloud) => onPremiseBusinessProfile(cloud, this.version));
  }

  @Post('settings/business/profile')
  @HttpCode(200)
  @ApiOperation({ summary: "Update the number's business profile (on-premise)" })
  @ApiBody({
    schema: {
      type: 'object',
      properties: {
        address: { type: 'string' },
        description: { type: 'string' },
        email: { type: 'string' },
        vertical: { type: 'string' },
        websites: { type: 'array', items: { type: 'string' } },
      },
    },
  })
  @ApiResponse({ status: 200, schema: metaOnly })
  async setBusinessProfile(@Partner() channel: PartnerChannel, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const update = businessProfileUpdate(request.body, this.version);
    if (!update.ok) throw update.error;
    const body = Buffer.from(JSON.stringify(update.value));
    this.answer(reply, await this.graph.call('POST', this.graph.path(channel.phoneNumberId, 'whatsapp_business_profile'), body), () => ({
      meta: meta(this.version),
    }));
  }

  @Get('configs/phone_number')
  @ApiOperation({ summary: "The key's phone number (on-premise)" })
  @ApiResponse({ status: 200, schema: { type: 'object', properties: { phone_number: { type: 'string' }, meta: { type: 'object' } } } })
  phoneNumber(@Partner() channel: PartnerChannel): JsonObject {
    return { phone_number: channel.displayPhoneNumber, meta: meta(this.version) };
  }

  @Get('health')
  @ApiOperation({ summary: 'Health (on-premise shape)', description: "From the number's Cloud `health_status`: `connected` while it can send." })
  @ApiResponse({
    status: 200,
    schema: { type: 'object', properties: { health: { type: 'object', properties: { gateway_status: { type: 'string' } } }, meta: { type: 'object' } } },
  })
  async health(@Partner() channel: PartnerChannel, @Res() reply: FastifyReply): Promise<void> {
    this.answer(reply, await this.sends.healthStatus(channel), (cloud) => onPremiseHealth(cloud, this.version));
  }

  @Post('contacts')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Check contacts (on-premise)',
    description:
      "The Cloud API has no contact check: as 360dialog answers since its Cloud migration, every well-formed number is `valid` with its digits as `wa_id` (a send to a number without WhatsApp fails later with Meta's error).",
  })
  @ApiBody({
    schema: {
      type: 'object',
      properties: { blocking: { type: 'string' }, contacts: { type: 'array', items: { type: 'string' } }, force_check: { type: 'boolean' } },
      required: ['contacts'],
    },
  })
  @ApiResponse({ status: 200, schema: { type: 'object', properties: { contacts: { type: 'array', items: { type: 'object' } }, meta: { type: 'object' } } } })
  contacts(@Req() request: FastifyRequest): JsonObject {
    const checked = contactsCheck(request.body, this.version);
    if (!checked.ok) throw checked.error;
    return checked.value;
  }

  private input<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
    return parseOnPremiseInput(schema, input, this.version);
  }

  private profile(channel: PartnerChannel, fields: string): Promise<UpstreamResult> {
    return this.graph.call('GET', `${this.graph.path(channel.phoneNumberId, 'whatsapp_business_profile')}?${new URLSearchParams({ fields }).toString()}`);
  }

  /** Meta's success converted by `convert` (null: not the answer expected), or its failure in the on-premise shape. */
  private answer(reply: FastifyReply, result: UpstreamResult, convert: (cloud: unknown) => JsonObject | null, status = 200): void {
    if (isSuccess(result)) {
      const converted = convert(parseJsonOrUndefined(result.body));
      if (converted !== null) {
        void reply.status(status).send(converted);
        return;
      }
      const failure = upstreamFailure({ kind: 'unreachable' }, this.version);
      void reply.status(failure.status).send(failure.body);
      return;
    }
    const failure = upstreamFailure(result, this.version);
    void reply.status(failure.status).send(failure.body);
  }
}
