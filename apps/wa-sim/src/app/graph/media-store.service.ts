import { Injectable } from '@nestjs/common';
import { createHash, randomBytes, randomInt } from 'node:crypto';
import type { JsonObject } from '@wabridge/util';
import { mediaMetadata } from './media-payloads';

export interface StoredMedia {
  id: string;
  phoneNumberId: string;
  mimeType: string;
  bytes: Buffer;
  sha256: string;
  /** the `hash` of the download URL: a download needs the URL Meta handed out, not just the id */
  urlHash: string;
  uploadedAt: number;
}

/** Meta keeps uploads for 30 days; the simulator keeps them in memory, the oldest dropped beyond this. */
const CAPACITY_BYTES = 256 * 1024 * 1024;

/** Media uploaded to the simulated Graph API. */
@Injectable()
export class MediaStoreService {
  private readonly media = new Map<string, StoredMedia>();
  private storedBytes = 0;

  add(phoneNumberId: string, mimeType: string, bytes: Buffer): StoredMedia {
    const id = `${randomInt(100000, 1000000)}${randomInt(0, 1000000000).toString().padStart(9, '0')}`;
    const entry: StoredMedia = {
      id,
      phoneNumberId,
      mimeType,
      bytes,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      urlHash: randomBytes(16).toString('base64url'),
      uploadedAt: Date.now(),
    };
    this.media.set(id, entry);
    this.storedBytes += bytes.length;
    for (const [oldId, old] of this.media) {
      if (this.storedBytes <= CAPACITY_BYTES || oldId === id) break;
      this.media.delete(oldId);
      this.storedBytes -= old.bytes.length;
    }
    return entry;
  }

  get(id: string): StoredMedia | undefined {
    return this.media.get(id);
  }

  /** `GET /{media_id}`: the media URL of an upload, or null if unknown or (with `phoneNumberId`) another number's. */
  metadataFor(id: string, phoneNumberId: string | undefined): JsonObject | null {
    const media = this.media.get(id);
    if (!media || (phoneNumberId !== undefined && media.phoneNumberId !== phoneNumberId)) return null;
    return mediaMetadata({
      id: media.id,
      mimeType: media.mimeType,
      sha256: media.sha256,
      size: media.bytes.length,
      urlHash: media.urlHash,
      uploadedAt: media.uploadedAt,
    });
  }

  delete(id: string): boolean {
    const entry = this.media.get(id);
    if (!entry) return false;
    this.media.delete(id);
    this.storedBytes -= entry.bytes.length;
    return true;
  }
}
