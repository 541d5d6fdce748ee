import { Inject, Injectable } from '@nestjs/common';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { isObject } from '@wabridge/util';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import type { PartnerChannel } from '../auth/partner-auth.service';
import { GraphApiClient, type UpstreamResult, type UpstreamStream } from '../graph/graph-api.client';
import { unknownObjectBody } from '../errors/api-exception';
import { isSuccess, parseJsonOrUndefined } from '../graph/upstream-reply';
import { attachmentMediaId, attachmentPathOf, isMediaObject, publicMediaUrl } from './media-paths';

export type UploadResult = UpstreamResult | { kind: 'too_large' };
export type BytesResult = UpstreamStream | UpstreamResult;

/** Passes bytes on until `max`, then fails the stream it feeds (the upload) and flags why. */
class ByteLimit extends Transform {
  exceeded = false;
  private seen = 0;

  constructor(private readonly max: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.max) {
      this.exceeded = true;
      callback(new Error('upload larger than allowed'));
      return;
    }
    callback(null, chunk);
  }
}

/** 404 in Graph's shape for an id that is not media of the key's number. */
function notFound(id: string): UpstreamResult {
  return { kind: 'response', status: 404, contentType: 'application/json; charset=utf-8', body: Buffer.from(JSON.stringify(unknownObjectBody(id))) };
}

/** Meta's media answer when it is the requested media of the channel, else what the partner gets instead. */
type OwnMedia = { ok: true; body: Record<string, unknown>; result: Extract<UpstreamResult, { kind: 'response' }> } | { ok: false; result: UpstreamResult };

/**
 * Media of the key's number through Meta's media endpoints. Uploads and downloads are streamed, never
 * held in memory. Tenant isolation: lookups pass `phone_number_id` (Meta refuses other numbers'
 * media), and since the operator's token reaches every tenant's Graph nodes, an answer is passed on
 * only when it has the media shape and the requested id; deletes and downloads check that first.
 */
@Injectable()
export class MediaService {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly graph: GraphApiClient,
  ) {}

  async upload(channel: PartnerChannel, body: Readable, contentType: string, contentLength: string | undefined): Promise<UploadResult> {
    if (contentLength !== undefined && Number(contentLength) > this.config.mediaMaxBytes) {
      body.resume();
      return { kind: 'too_large' };
    }
    const limit = new ByteLimit(this.config.mediaMaxBytes);
    body.pipe(limit);
    limit.on('error', () => {
      // keep reading (and dropping) the rest, so the partner still gets the 413 on this connection
      body.unpipe(limit);
      body.resume();
    });
    const result = await this.graph.upload(this.graph.path(channel.phoneNumberId, 'media'), limit, contentType, contentLength);
    return limit.exceeded ? { kind: 'too_large' } : result;
  }

  /** `GET /{media_id}`: Meta's answer with its `url` pointing at the gateway. */
  async metadata(channel: PartnerChannel, mediaId: string): Promise<UpstreamResult> {
    const media = await this.ownMedia(channel, mediaId);
    if (!media.ok) return media.result;
    const url = publicMediaUrl(media.body.url, this.config.publicUrl);
    const rewritten = url === null ? media.body : { ...media.body, url };
    return { ...media.result, contentType: 'application/json; charset=utf-8', body: Buffer.from(JSON.stringify(rewritten)) };
  }

  /** Deletes only after Meta confirmed the id is media of this number. */
  async remove(channel: PartnerChannel, mediaId: string): Promise<UpstreamResult> {
    const media = await this.ownMedia(channel, mediaId);
    if (!media.ok) return media.result;
    return this.graph.call('DELETE', this.mediaPath(channel, mediaId));
  }

  /**
   * The bytes behind a media URL the gateway handed out (`path` already checked to be an attachments
   * path): only for a URL naming (`mid`) media of the key's own number.
   */
  async download(channel: PartnerChannel, path: string): Promise<BytesResult> {
    const mediaId = attachmentMediaId(path);
    if (mediaId === null) return notFound('mid');
    const media = await this.ownMedia(channel, mediaId);
    if (!media.ok) return media.result;
    return this.graph.download(path);
  }

  /** On-premise `GET /v1/media/{id}`: the bytes at once (metadata, then download). */
  async bytes(channel: PartnerChannel, mediaId: string): Promise<BytesResult> {
    const media = await this.ownMedia(channel, mediaId);
    if (!media.ok) return media.result;
    const path = attachmentPathOf(media.body.url);
    // Meta answered 2xx without a usable media URL: nothing the partner could act on
    if (path === null) return { kind: 'unreachable' };
    return this.graph.download(path);
  }

  private async ownMedia(channel: PartnerChannel, mediaId: string): Promise<OwnMedia> {
    const result = await this.graph.call('GET', this.mediaPath(channel, mediaId));
    // Meta's "unknown object" (400/404) for an id of another number, an expired or a made-up one
    if (result.kind === 'response' && (result.status === 400 || result.status === 404)) return { ok: false, result: notFound(mediaId) };
    if (!isSuccess(result)) return { ok: false, result };
    const body = parseJsonOrUndefined(result.body);
    if (!isObject(body) || !isMediaObject(body, mediaId)) return { ok: false, result: notFound(mediaId) };
    return { ok: true, body, result };
  }

  private mediaPath(channel: PartnerChannel, mediaId: string): string {
    return `${this.graph.path(mediaId)}?${new URLSearchParams({ phone_number_id: channel.phoneNumberId }).toString()}`;
  }
}
