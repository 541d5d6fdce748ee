import { Controller, Delete, Get, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiParam, ApiProduces, ApiResponse } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AllowBearerKey, Partner, PartnerAuthGuard } from '../auth/partner-auth.guard';
import type { PartnerChannel } from '../auth/partner-auth.service';
import { metaError, metaErrorBody } from '../errors/api-exception';
import { relay, relayStream } from '../graph/upstream-reply';
import { GraphErrors, GraphStyleApi, Schemas, TAGS } from '../openapi/api-docs';
import { attachmentPath, isMediaId } from './media-paths';
import { MediaService, type BytesResult } from './media.service';

const GRAPH_VERSION = /^v\d+\.\d+$/;
/**
 * `/{version}/{media_id}` only where the first segment is a Graph version, so that other unknown
 * two-segment paths stay a plain 404 instead of asking for a key.
 */
const GRAPH_NODE = ':version(^v\\d+\\.\\d+$)/:mediaId';

function checkMediaId(mediaId: string): void {
  if (!isMediaId(mediaId)) throw metaError(404, '(#100) Unknown media id', 100);
}

/**
 * Media of the key's number: upload, the media URL (pointing back at the gateway), the bytes behind
 * it, delete, and the on-premise download. Graph-style paths are served too, for Meta SDKs pointed
 * at wabridge, which is why the key is also accepted as a Bearer token here.
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

  @Post(':version/:phoneNumberId/media')
  @AllowBearerKey()
  @ApiOperation({ summary: 'Upload media (Graph API path, for Meta SDKs)' })
  @ApiParam({ name: 'version', example: 'v21.0' })
  @ApiParam({ name: 'phoneNumberId' })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ schema: Schemas.mediaUpload })
  @ApiResponse({ status: 200, schema: Schemas.mediaId })
  @ApiResponse({ status: 403, description: "not the key's number", schema: Schemas.metaError })
  async graphUpload(
    @Partner() channel: PartnerChannel,
    @Param('version') version: string,
    @Param('phoneNumberId') phoneNumberId: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (!GRAPH_VERSION.test(version)) throw metaError(404, 'Unknown path components', 2500);
    if (phoneNumberId !== channel.phoneNumberId) throw metaError(403, '(#200) The API key does not grant access to this phone number', 200);
    await this.forwardUpload(channel, request, reply);
  }

  /** The bytes behind the URL `GET /{media_id}` handed out; both rewrites clients apply end here. */
  @Get(['whatsapp_business/attachments', 'whatsapp_business/attachments/*'])
  @AllowBearerKey()
  @ApiOperation({ summary: 'The bytes behind a media URL', description: 'The URL `GET /{media_id}` returned, or Meta\'s lookaside URL with its host replaced by the gateway.' })
  @ApiProduces('application/octet-stream')
  @ApiResponse({ status: 200, description: 'the file, with its content type' })
  async attachment(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const path = attachmentPath(request.url);
    if (path === null) throw metaError(400, '(#100) Invalid media URL');
    relayStream(reply, await this.media.download(path));
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

  @Get(':mediaId')
  @AllowBearerKey()
  @ApiOperation({ summary: 'Media metadata; its `url` points at the gateway' })
  @ApiParam({ name: 'mediaId' })
  @ApiResponse({ status: 200, schema: Schemas.mediaMetadata })
  async metadata(@Partner() channel: PartnerChannel, @Param('mediaId') mediaId: string, @Res() reply: FastifyReply): Promise<void> {
    checkMediaId(mediaId);
    relay(reply, await this.media.metadata(channel, mediaId));
  }

  @Get(GRAPH_NODE)
  @AllowBearerKey()
  @ApiOperation({ summary: 'Media metadata (Graph API path)' })
  @ApiParam({ name: 'version', example: 'v21.0' })
  @ApiParam({ name: 'mediaId' })
  @ApiResponse({ status: 200, schema: Schemas.mediaMetadata })
  async graphMetadata(
    @Partner() channel: PartnerChannel,
    @Param('version') version: string,
    @Param('mediaId') mediaId: string,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (!GRAPH_VERSION.test(version)) throw metaError(404, 'Unknown path components', 2500);
    checkMediaId(mediaId);
    relay(reply, await this.media.metadata(channel, mediaId));
  }

  @Delete(':mediaId')
  @AllowBearerKey()
  @ApiOperation({ summary: 'Delete media' })
  @ApiParam({ name: 'mediaId' })
  @ApiResponse({ status: 200, schema: Schemas.success })
  async remove(@Partner() channel: PartnerChannel, @Param('mediaId') mediaId: string, @Res() reply: FastifyReply): Promise<void> {
    checkMediaId(mediaId);
    relay(reply, await this.media.remove(channel, mediaId));
  }

  @Delete(GRAPH_NODE)
  @AllowBearerKey()
  @ApiOperation({ summary: 'Delete media (Graph API path)' })
  @ApiParam({ name: 'version', example: 'v21.0' })
  @ApiParam({ name: 'mediaId' })
  @ApiResponse({ status: 200, schema: Schemas.success })
  async graphRemove(
    @Partner() channel: PartnerChannel,
    @Param('version') version: string,
    @Param('mediaId') mediaId: string,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (!GRAPH_VERSION.test(version)) throw metaError(404, 'Unknown path components', 2500);
    checkMediaId(mediaId);
    relay(reply, await this.media.remove(channel, mediaId));
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
