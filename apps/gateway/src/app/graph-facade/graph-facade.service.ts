import { Injectable } from '@nestjs/common';
import type { PartnerChannel } from '../auth/partner-auth.service';
import { metaError } from '../errors/api-exception';
import { GraphApiClient, type UpstreamResult } from '../graph/graph-api.client';
import { MediaService } from '../media/media.service';
import { checkFields, PHONE_NUMBER_FIELDS, PROFILE_FIELDS, WABA_FIELDS } from './graph-paths';

/**
 * Graph nodes a key may read through the facade: its own number, its own WABA, and media of its
 * number (checked by MediaService). Every other id is answered 404 in Graph's shape, whether or not
 * the operator's token could reach it at Meta.
 */
@Injectable()
export class GraphFacadeService {
  constructor(
    private readonly graph: GraphApiClient,
    private readonly media: MediaService,
  ) {}

  async node(channel: PartnerChannel, id: string, fields: unknown): Promise<UpstreamResult> {
    if (id === channel.phoneNumberId) return this.read(id, checkFields(fields, PHONE_NUMBER_FIELDS, 'WhatsAppBusinessPhoneNumber'));
    if (id === channel.wabaId) return this.read(id, checkFields(fields, WABA_FIELDS, 'WhatsAppBusinessAccount'));
    return this.media.metadata(channel, id);
  }

  /** Only media can be deleted by id; the number and WABA nodes cannot (Meta refuses too). */
  async remove(channel: PartnerChannel, id: string): Promise<UpstreamResult> {
    return this.media.remove(channel, id);
  }

  async profile(channel: PartnerChannel, fields: unknown): Promise<UpstreamResult> {
    const check = checkFields(fields ?? PROFILE_FIELDS.join(','), PROFILE_FIELDS, 'WhatsAppBusinessProfile');
    if (!check.ok) throw metaError(400, check.error);
    return this.graph.call(
      'GET',
      `${this.graph.path(channel.phoneNumberId, 'whatsapp_business_profile')}?${new URLSearchParams({ fields: check.fields ?? '' }).toString()}`,
    );
  }

  /** The partner's body goes to Meta unchanged; Meta validates it. */
  async updateProfile(channel: PartnerChannel, body: Buffer): Promise<UpstreamResult> {
    return this.graph.call('POST', this.graph.path(channel.phoneNumberId, 'whatsapp_business_profile'), body);
  }

  private async read(id: string, check: ReturnType<typeof checkFields>): Promise<UpstreamResult> {
    if (!check.ok) throw metaError(400, check.error);
    const path = this.graph.path(id);
    return this.graph.call('GET', check.fields === undefined ? path : `${path}?${new URLSearchParams({ fields: check.fields }).toString()}`);
  }
}
