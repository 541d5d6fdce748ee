import { Controller, Get, Headers, Param, Post, Query, type RawBodyRequest, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { constantTimeEqual } from '@wabridge/util';
import { GraphTokenService } from './graph-token.service';
import { checkUpload } from './media-payloads';
import { BusinessNumbersService } from './business-numbers.service';
import { MediaStoreService } from './media-store.service';
import { invalidTokenError, metaError } from './meta-payloads';

/**
 * Meta's media endpoints: upload (`POST /{phone_number_id}/media`, multipart) and the bytes behind the
 * lookaside URL; the media URL (`GET /{media_id}`) and delete are GraphController's, next to the
 * other nodes. Media is kept in memory.
 */
@Controller()
export class MediaController {
  constructor(
    private readonly token: GraphTokenService,
    private readonly store: MediaStoreService,
    private readonly numbers: BusinessNumbersService,
  ) {}

  @Post(':version/:phoneNumberId/media')
  async upload(
    @Param('phoneNumberId') phoneNumberId: string,
    @Headers('authorization') authorization: string | undefined,
    @Req() request: RawBodyRequest<FastifyRequest>,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (!this.token.authorized(authorization)) {
      void reply.status(401).send(invalidTokenError());
      return;
    }
    const contentType = request.headers['content-type'] ?? '';
    const raw = request.body;
    if (!contentType.startsWith('multipart/form-data') || !Buffer.isBuffer(raw)) {
      void reply.status(400).send(metaError(100, '(#100) The request must be multipart/form-data with a file'));
      return;
    }
    let form: FormData;
    try {
      form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
    } catch {
      void reply.status(400).send(metaError(100, '(#100) The multipart body could not be parsed'));
      return;
    }
    const check = await checkUpload(form);
    if (!check.ok) {
      void reply.status(400).send(check.body);
      return;
    }
    this.numbers.touch(phoneNumberId);
    const media = this.store.add(phoneNumberId, check.mimeType, check.bytes);
    void reply.status(200).send({ id: media.id });
  }

  /** The bytes, for the URL `GET /{media_id}` handed out (lookaside.fbsbx.com in Meta's case). */
  @Get(['whatsapp_business/attachments', 'whatsapp_business/attachments/*'])
  download(
    @Query('mid') mid: string | undefined,
    @Query('hash') hash: string | undefined,
    @Headers('authorization') authorization: string | undefined,
    @Res() reply: FastifyReply,
  ): void {
    if (!this.token.authorized(authorization)) {
      void reply.status(401).send(invalidTokenError());
      return;
    }
    const media = typeof mid === 'string' ? this.store.get(mid) : undefined;
    if (!media || typeof hash !== 'string' || !constantTimeEqual(hash, media.urlHash)) {
      void reply.status(404).send(metaError(100, 'Media not found or URL expired'));
      return;
    }
    void reply.status(200).header('content-type', media.mimeType).header('content-length', String(media.bytes.length)).send(media.bytes);
  }
}
