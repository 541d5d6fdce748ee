import { Inject, Injectable } from '@nestjs/common';
import { generateSigningSecret, resolveSafeAddress, UnsafeUrlError } from '@wabridge/webhook-security';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import type { PartnerChannel } from '../auth/partner-auth.service';
import { INVALID_KEY_MESSAGE } from '../auth/partner-auth.guard';
import { ApiKeysRepository } from '../data/api-keys.repository';
import { DestinationsRepository } from '../data/destinations.repository';
import { Transactions, type Tx } from '../data/transactions';
import { apiError } from '../errors/api-exception';
import { parseBindingRequest } from './webhook-request';

export interface WebhookBinding {
  url: string;
  headers: Record<string, string>;
  /** only when the binding filters what it receives */
  events?: string[];
}

/**
 * The primary webhook of the key's partner slot (last writer wins within the slot; with one slot,
 * the channel's). Every change runs in a transaction that
 * share-locks the caller's key row: a key revoked by a concurrent re-issue either waits for this
 * binding (which the re-issue then drops) or is seen as revoked, so an old partner can never bind
 * itself again through its key cache window.
 */
@Injectable()
export class WebhookConfigService {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly transactions: Transactions,
    private readonly apiKeys: ApiKeysRepository,
    private readonly destinations: DestinationsRepository,
  ) {}

  /** `onPremiseDefault`: the body format when the request does not name one (on through `/onprem`). */
  async bind(channel: PartnerChannel, body: unknown, onPremiseDefault = false): Promise<WebhookBinding & { signing_secret: string }> {
    const parsed = parseBindingRequest(body, this.config.webhookUrlPolicy, { onPremiseFormat: onPremiseDefault });
    if (!parsed.ok) throw apiError(400, parsed.error);
    const { binding } = parsed;
    try {
      // resolved once here to refuse names pointing inside; the router checks again at every attempt
      await resolveSafeAddress(binding.hostname, this.config.webhookUrlPolicy);
    } catch (error) {
      throw apiError(400, error instanceof UnsafeUrlError ? error.message : 'url host could not be resolved');
    }
    const signingSecret = generateSigningSecret();
    await this.withActiveKey(channel, (tx) =>
      this.destinations.upsertPrimary(tx, channel.channelId, channel.slot, {
        url: binding.url,
        headers: this.config.secrets.sealHeaders(binding.headers),
        signingSecret: this.config.secrets.seal(signingSecret),
        onPremiseFormat: binding.onPremiseFormat,
        appSecret: this.config.secrets.sealOptional(binding.appSecret),
        ordered: binding.ordered,
        events: binding.events,
      }),
    );
    return { url: binding.url, headers: binding.headers, ...(binding.events ? { events: binding.events } : {}), signing_secret: signingSecret };
  }

  async current(channel: PartnerChannel): Promise<(WebhookBinding & { disabled_at?: string }) | null> {
    const primary = await this.destinations.primaryOfKey(channel.keyId);
    if (primary === null) throw apiError(401, INVALID_KEY_MESSAGE);
    const row = primary.destination;
    if (row === null) return null;
    return {
      url: row.url,
      headers: this.config.secrets.openHeaders(row.headers),
      ...(row.events ? { events: row.events } : {}),
      // the router disabled it after a 410 Gone: say so rather than pretend it is receiving
      ...(row.disabled_at ? { disabled_at: row.disabled_at.toISOString() } : {}),
    };
  }

  async unbind(channel: PartnerChannel): Promise<void> {
    await this.withActiveKey(channel, (tx) => this.destinations.deletePrimary(tx, channel.channelId, channel.slot));
  }

  private async withActiveKey(channel: PartnerChannel, work: (tx: Tx) => Promise<unknown>): Promise<void> {
    await this.transactions.run(async (tx) => {
      if (!(await this.apiKeys.isActive(tx, channel.keyId, 'share'))) throw apiError(401, INVALID_KEY_MESSAGE);
      await work(tx);
    });
  }
}
