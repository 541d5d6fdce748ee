import { Controller, Get, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiParam, ApiProduces, ApiResponse } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AllowBearerKey, Partner, PartnerAuthGuard } from '../auth/partner-auth.guard';
import type { PartnerChannel } from '../auth/partner-auth.service';
import { metaError, metaErrorBody } from '../errors/api-exception';
import { relay, relayStream } from '../graph/upstream-reply';
import { GraphErrors, GraphStyleApi, Schemas, TAGS } from '../openapi/api-docs';
import { GRAPH_VERSION } from '../graph-facade/graph-paths';
import { attachmentPath, isMediaId } from './media-paths';
import { MediaService, type BytesResult } from './media.service';

function checkMediaId(mediaId: string): void {
  if (!isMediaId(mediaId)) throw metaError(404, '(#100) Unknown media id', 100);
}

/**
 * Media of the key's number: upload, the bytes behind a media URL, and the on-premise download (the
 * media URL itself and delete are nodes of the Graph facade). Graph-style paths are served too, for
 * Meta SDKs pointed at wabridge, which is why the key is also accepted as a Bearer token here.
 */
@Controller()
@UseGuards(PartnerAuthGuard)
@GraphStyleApi(TAGS.media)
@GraphErrors()
export class MediaController {
  constructor(private readonly media: MediaService) {}

  @Post('media')
  @AllowBearerKey()
  @ApiOperation({ summary: 'Upload media (multipart)', description: 'Streamed to Meta unchanged; at most MEDIA_MAX_BYTES.' })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ schema: Schemas.mediaUpload })
  @ApiResponse({ status: 200, schema: Schemas.mediaId })
  @ApiResponse({ status: 413, description: 'larger than MEDIA_MAX_BYTES', schema: Schemas.metaError })
  async upload(@Partner() channel: PartnerChannel, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.forwardUpload(channel, request, reply);
  }

  @Post([':phoneNumberId/media', ':version/:phoneNumberId/media'])
  @AllowBearerKey()
  @ApiOperation({ summary: 'Upload media (Graph API path, for Meta SDKs; versioned or not)' })
  @ApiParam({ name: 'phoneNumberId' })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ schema: Schemas.mediaUpload })
  @ApiResponse({ status: 200, schema: Schemas.mediaId })
  @ApiResponse({ status: 403, description: "not the key's number", schema: Schemas.metaError })
  async graphUpload(
    @Partner() channel: PartnerChannel,
    @Param('version') version: string | undefined,
    @Param('phoneNumberId') phoneNumberId: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (version !== undefined && !GRAPH_VERSION.test(version)) throw metaError(404, 'Unknown path components', 2500);
    if (phoneNumberId !== channel.phoneNumberId) throw metaError(403, '(#200) The API key does not grant access to this phone number', 200);
    await this.forwardUpload(channel, request, reply);
  }

  /** The bytes behind the URL `GET /{media_id}` handed out; both rewrites clients apply end here. */
  @Get(['whatsapp_business/attachments', 'whatsapp_business/attachments/*'])
  @AllowBearerKey()
  @ApiOperation({
    summary: 'The bytes behind a media URL',
    description:
      "The URL `GET /{media_id}` returned, or Meta's lookaside URL with its host replaced by the gateway; only for media (`mid`) of the key's own number, else 404.",
  })
  @ApiProduces('application/octet-stream')
  @ApiResponse({ status: 200, description: 'the file, with its content type' })
  async attachment(@Partner() channel: PartnerChannel, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const path = attachmentPath(request.url);
    if (path === null) throw metaError(400, '(#100) Invalid media URL');
    sendBytes(reply, await this.media.download(channel, path));
  }

  /** On-premise: the bytes at once. */
  @Get('v1/media/:mediaId')
  @AllowBearerKey()
  @ApiOperation({ summary: 'Download media (on-premise style): the bytes at once' })
  @ApiParam({ name: 'mediaId' })
  @ApiProduces('application/octet-stream')
  @ApiResponse({ status: 200, description: 'the file, with its content type' })
  async onPremise(@Partner() channel: PartnerChannel, @Param('mediaId') mediaId: string, @Res() reply: FastifyReply): Promise<void> {
    checkMediaId(mediaId);
    sendBytes(reply, await this.media.bytes(channel, mediaId));
  }

  private async forwardUpload(channel: PartnerChannel, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const contentType = request.headers['content-type'] ?? '';
    if (!/^multipart\/form-data;.*boundary=/i.test(contentType)) {
      throw metaError(400, '(#100) Upload media as multipart/form-data with the fields messaging_product, type and file');
    }
    const contentLength = request.headers['content-length'];
    const result = await this.media.upload(channel, request.raw, contentType, contentLength);
    if (result.kind === 'too_large') {
      // the connection stays open: Node reads and drops the rest of the upload, so the partner can
      // finish writing and read this answer rather than see its upload cut off
      void reply.status(413).send(metaErrorBody('(#100) The file is larger than this gateway accepts', 100));
      return;
    }
    relay(reply, result);
  }
}

function sendBytes(reply: FastifyReply, result: BytesResult): void {
  if (result.kind === 'response') relay(reply, result);
  else relayStream(reply, result);
}
