import { Inject, Injectable } from '@nestjs/common';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import type { PartnerChannel } from '../auth/partner-auth.service';
import { GraphApiClient, type UpstreamResult, type UpstreamStream } from '../graph/graph-api.client';
import { isSuccess, parseJsonOrUndefined } from '../graph/upstream-reply';
import { attachmentPathOf, publicMediaUrl } from './media-paths';

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

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Media of the key's number through Meta's media endpoints. Uploads and downloads are streamed, never
 * held in memory; metadata lookups pass `phone_number_id`, so Meta refuses ids of other numbers.
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
    const result = await this.graph.call('GET', this.mediaPath(channel, mediaId));
    if (!isSuccess(result)) return result;
    const body = parseJsonOrUndefined(result.body);
    if (!isObject(body)) return result;
    const url = publicMediaUrl(body.url, this.config.publicUrl);
    const rewritten = url === null ? body : { ...body, url };
    return { ...result, contentType: 'application/json; charset=utf-8', body: Buffer.from(JSON.stringify(rewritten)) };
  }

  async remove(channel: PartnerChannel, mediaId: string): Promise<UpstreamResult> {
    return this.graph.call('DELETE', this.mediaPath(channel, mediaId));
  }

  /** The bytes behind a media URL the gateway handed out (`path` already checked to be an attachments path). */
  async download(path: string): Promise<UpstreamStream> {
    return this.graph.download(path);
  }

  /** On-premise `GET /v1/media/{id}`: the bytes at once (metadata, then download). */
  async bytes(channel: PartnerChannel, mediaId: string): Promise<BytesResult> {
    const result = await this.graph.call('GET', this.mediaPath(channel, mediaId));
    if (!isSuccess(result)) return result;
    const body = parseJsonOrUndefined(result.body);
    const path = isObject(body) ? attachmentPathOf(body.url) : null;
    // Meta answered 2xx without a usable media URL: nothing the partner could act on
    if (path === null) return { kind: 'unreachable' };
    return this.graph.download(path);
  }

  private mediaPath(channel: PartnerChannel, mediaId: string): string {
    return `${this.graph.path(mediaId)}?${new URLSearchParams({ phone_number_id: channel.phoneNumberId }).toString()}`;
  }
}
