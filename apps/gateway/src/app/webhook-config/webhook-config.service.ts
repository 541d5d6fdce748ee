import { Inject, Injectable } from '@nestjs/common';
import { generateSigningSecret, resolveSafeAddress, UnsafeUrlError } from '@wabridge/webhook-security';
import type { DataSource, EntityManager } from 'typeorm';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import type { PartnerChannel } from '../auth/partner-auth.service';
import { INVALID_KEY_MESSAGE } from '../auth/partner-auth.guard';
import { apiError } from '../errors/api-exception';
import { GATEWAY_DATA_SOURCE } from '../infra/infra.module';
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
    @Inject(GATEWAY_DATA_SOURCE) private readonly dataSource: DataSource,
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
    await this.withActiveKey(channel, (manager) =>
      manager.query(
        `INSERT INTO webhook_destinations (channel_id, kind, name, url, headers, signing_secret, on_premise_format, app_secret, ordered, events, slot)
         VALUES ($1, 'primary', 'primary', $2, $3::jsonb, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (channel_id, slot, kind, name) DO UPDATE
            SET url = EXCLUDED.url, headers = EXCLUDED.headers, signing_secret = EXCLUDED.signing_secret,
                on_premise_format = EXCLUDED.on_premise_format, app_secret = EXCLUDED.app_secret,
                ordered = EXCLUDED.ordered, events = EXCLUDED.events, disabled_at = NULL, updated_at = now()`,
        [
          channel.channelId,
          binding.url,
          JSON.stringify(this.config.secrets.sealHeaders(binding.headers)),
          this.config.secrets.seal(signingSecret),
          binding.onPremiseFormat,
          this.config.secrets.sealOptional(binding.appSecret),
          binding.ordered,
          binding.events,
          channel.slot,
        ],
      ),
    );
    return { url: binding.url, headers: binding.headers, ...(binding.events ? { events: binding.events } : {}), signing_secret: signingSecret };
  }

  async current(channel: PartnerChannel): Promise<(WebhookBinding & { disabled_at?: string }) | null> {
    const rows: { url: string | null; headers: Record<string, string> | null; events: string[] | null; disabled_at: Date | null }[] =
      await this.dataSource.query(
        `SELECT d.url, d.headers, d.events, d.disabled_at
           FROM api_keys k
           LEFT JOIN webhook_destinations d
                  ON d.channel_id = k.channel_id AND d.slot = k.slot AND d.kind = 'primary' AND d.name = 'primary'
          WHERE k.id = $1 AND k.revoked_at IS NULL`,
        [channel.keyId],
      );
    if (rows.length === 0) throw apiError(401, INVALID_KEY_MESSAGE);
    const row = rows[0];
    if (row.url === null) return null;
    return {
      url: row.url,
      headers: this.config.secrets.openHeaders(row.headers),
      ...(row.events ? { events: row.events } : {}),
      // the router disabled it after a 410 Gone: say so rather than pretend it is receiving
      ...(row.disabled_at ? { disabled_at: row.disabled_at.toISOString() } : {}),
    };
  }

  async unbind(channel: PartnerChannel): Promise<void> {
    await this.withActiveKey(channel, (manager) =>
      manager.query(`DELETE FROM webhook_destinations WHERE channel_id = $1 AND slot = $2 AND kind = 'primary' AND name = 'primary'`, [
        channel.channelId,
        channel.slot,
      ]),
    );
  }

  private async withActiveKey(channel: PartnerChannel, work: (manager: EntityManager) => Promise<unknown>): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const active: unknown[] = await manager.query(
        `SELECT 1 FROM api_keys WHERE id = $1 AND revoked_at IS NULL FOR SHARE`,
        [channel.keyId],
      );
      if (active.length === 0) throw apiError(401, INVALID_KEY_MESSAGE);
      await work(manager);
    });
  }
}
