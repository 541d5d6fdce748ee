import { Inject, Injectable } from '@nestjs/common';
import { generateSigningSecret, resolveSafeAddress, UnsafeUrlError, type SecretBox } from '@wabridge/webhook-security';
import type { DataSource, EntityManager } from 'typeorm';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import { INVALID_KEY_MESSAGE } from '../auth/partner-auth.guard';
import type { PartnerChannel } from '../auth/partner-auth.service';
import { apiError, ApiException } from '../errors/api-exception';
import { GATEWAY_DATA_SOURCE } from '../infra/infra.module';
import { SecretRotationService, type RotatedSecret } from '../secret-rotation/secret-rotation.service';
import {
  applyPatch,
  parseAppendRequest,
  type DestinationDefaults,
  parsePatchRequest,
  parseReplaceRequest,
  type ExtraDestinationRequest,
  type MultiWebhookParse,
} from './multi-webhook-request';

export interface DestinationView {
  name: string;
  url: string;
  headers: Record<string, string>;
  /** only when the destination filters what it receives */
  events?: string[];
  /** only in the answer of the call that created the destination */
  signing_secret?: string;
  /** set when the router disabled it after a 410 Gone */
  disabled_at?: string;
}

export interface MultiWebhookView {
  enabled: boolean;
  destinations: DestinationView[];
}

export interface MultiWebhookChange extends MultiWebhookView {
  message: string;
}

export interface ExtraRotatedSecret extends RotatedSecret {
  name: string;
}

interface DestinationRow {
  name: string;
  url: string;
  headers: Record<string, string> | null;
  on_premise_format: boolean;
  app_secret: string | null;
  ordered: boolean;
  events: string[] | null;
  disabled_at: Date | null;
}

/**
 * 360dialog answers /multi_webhook with `{"message": ...}`; wabridge's own errors carry `error`.
 * Both fields are set so that clients written for either read the reason.
 */
export function multiWebhookError(status: number, text: string): ApiException {
  return new ApiException(status, { error: text, message: text });
}

function unwrap<T>(parsed: MultiWebhookParse<T>): T {
  if (!parsed.ok) throw multiWebhookError(parsed.status, parsed.error);
  return parsed.value;
}

function view(row: DestinationRow, secrets: Map<string, string>, box: SecretBox): DestinationView {
  const secret = secrets.get(row.name);
  return {
    name: row.name,
    url: row.url,
    headers: box.openHeaders(row.headers),
    ...(row.events ? { events: row.events } : {}),
    ...(secret ? { signing_secret: secret } : {}),
    ...(row.disabled_at ? { disabled_at: row.disabled_at.toISOString() } : {}),
  };
}

const SELECT_EXTRAS = `SELECT name, url, headers, on_premise_format, app_secret, ordered, events, disabled_at
                         FROM webhook_destinations WHERE channel_id = $1 AND slot = $2 AND kind = 'extra' ORDER BY created_at, id`;

/** Switches /multi_webhook of slot $2 on ($3 true) or off in channels.multi_webhook_slots. */
const SET_ENABLED = `UPDATE channels
                        SET multi_webhook_slots = CASE WHEN $3::boolean THEN array_append(array_remove(multi_webhook_slots, $2), $2)
                                                       ELSE array_remove(multi_webhook_slots, $2) END
                      WHERE id = $1`;

/**
 * The extra webhook destinations of the key's partner slot (360dialog's /multi_webhook; with one
 * slot, the channel's). Each slot switches the feature on and off for itself, and the cap counts
 * the slot's destinations. The router delivers every
 * event to the primary and to each extra independently, so each extra has its own signing secret.
 *
 * Every change locks the channel row first and then checks the caller's key in a fresh statement:
 * a concurrent key re-issue (which locks the same row, then drops every destination) is either
 * fully before — the key is seen as revoked — or fully after, and then drops what was written here.
 * The same lock serialises concurrent appends, so the cap holds.
 */
@Injectable()
export class MultiWebhookService {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(GATEWAY_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly rotation: SecretRotationService,
  ) {}

  async current(channel: PartnerChannel): Promise<MultiWebhookView> {
    const rows: { multi_webhook_enabled: boolean }[] = await this.dataSource.query(
      `SELECT k.slot = ANY (c.multi_webhook_slots) AS multi_webhook_enabled FROM api_keys k JOIN channels c ON c.id = k.channel_id
        WHERE k.id = $1 AND k.revoked_at IS NULL`,
      [channel.keyId],
    );
    if (rows.length === 0) throw apiError(401, INVALID_KEY_MESSAGE);
    const extras: DestinationRow[] = await this.dataSource.query(SELECT_EXTRAS, [channel.channelId, channel.slot]);
    return { enabled: rows[0].multi_webhook_enabled, destinations: extras.map((row) => view(row, new Map(), this.config.secrets)) };
  }

  /** POST: switches the feature on or off and replaces the whole set. */
  async replace(channel: PartnerChannel, body: unknown, defaults: DestinationDefaults = {}): Promise<MultiWebhookChange> {
    const request = unwrap(parseReplaceRequest(body, this.config.webhookUrlPolicy, this.config.multiWebhookMax, defaults));
    await this.checkAddresses(request.destinations);
    return this.change(channel, request.enabled ? 'multi webhook enabled' : 'multi webhook disabled', async (manager, _enabled, secrets) => {
      await manager.query(`DELETE FROM webhook_destinations WHERE channel_id = $1 AND slot = $2 AND kind = 'extra'`, [
        channel.channelId,
        channel.slot,
      ]);
      await manager.query(SET_ENABLED, [channel.channelId, channel.slot, request.enabled]);
      for (const destination of request.destinations) secrets.set(destination.name, await this.insert(manager, channel, destination));
    });
  }

  /** PUT: appends destinations to an enabled feature, within the cap and without reusing a name. */
  async append(channel: PartnerChannel, body: unknown, defaults: DestinationDefaults = {}): Promise<MultiWebhookChange> {
    const destinations = unwrap(parseAppendRequest(body, this.config.webhookUrlPolicy, this.config.multiWebhookMax, defaults));
    await this.checkAddresses(destinations);
    return this.change(channel, 'destinations added', async (manager, enabled, secrets) => {
      if (!enabled) throw multiWebhookError(409, 'multi webhook is not enabled: POST {"enabled": true} first');
      const existing: { name: string }[] = await manager.query(
        `SELECT name FROM webhook_destinations WHERE channel_id = $1 AND slot = $2 AND kind = 'extra'`,
        [channel.channelId, channel.slot],
      );
      const taken = new Set(existing.map((row) => row.name));
      const clash = destinations.find((destination) => taken.has(destination.name));
      if (clash) throw multiWebhookError(409, `a destination named "${clash.name}" already exists`);
      if (existing.length + destinations.length > this.config.multiWebhookMax) {
        throw multiWebhookError(409, `at most ${this.config.multiWebhookMax} destinations are allowed per number (per partner slot)`);
      }
      for (const destination of destinations) secrets.set(destination.name, await this.insert(manager, channel, destination));
    });
  }

  /**
   * PATCH: changes the url, headers or delivery options of one destination, found by its exact name.
   * It keeps its signing secret (the partner already verifies with it) and is enabled again if the
   * router had disabled it after a 410.
   */
  async patch(channel: PartnerChannel, body: unknown): Promise<MultiWebhookChange> {
    const { name, changes } = unwrap(parsePatchRequest(body));
    const current = await this.findExtra(channel, name);
    const updated = unwrap(
      applyPatch({ ...current, name, headers: current.headers ?? {} }, changes, this.config.webhookUrlPolicy),
    );
    await this.checkAddresses([updated]);
    return this.change(channel, 'destination updated', async (manager) => {
      const [, affected]: [unknown, number] = await manager.query(
        `UPDATE webhook_destinations
            SET url = $3, headers = $4::jsonb, on_premise_format = $5, app_secret = $6, ordered = $7, events = $8,
                disabled_at = NULL, updated_at = now()
          WHERE channel_id = $1 AND kind = 'extra' AND name = $2 AND slot = $9`,
        [
          channel.channelId,
          name,
          updated.url,
          JSON.stringify(this.config.secrets.sealHeaders(updated.headers)),
          updated.onPremiseFormat,
          this.config.secrets.sealOptional(updated.appSecret),
          updated.ordered,
          updated.events,
          channel.slot,
        ],
      );
      if (affected === 0) throw multiWebhookError(404, `no destination named "${name}"`);
    });
  }

  /** DELETE by name removes one destination; without a name, all of them, and the feature is switched off. */
  async remove(channel: PartnerChannel, name: string | undefined): Promise<MultiWebhookChange> {
    if (name === undefined) {
      return this.change(channel, 'multi webhook disabled', async (manager) => {
        await manager.query(`DELETE FROM webhook_destinations WHERE channel_id = $1 AND slot = $2 AND kind = 'extra'`, [
          channel.channelId,
          channel.slot,
        ]);
        await manager.query(SET_ENABLED, [channel.channelId, channel.slot, false]);
      });
    }
    if (name.length === 0) throw multiWebhookError(400, 'name must not be empty');
    return this.change(channel, 'destination deleted', async (manager) => {
      const [, affected]: [unknown, number] = await manager.query(
        `DELETE FROM webhook_destinations WHERE channel_id = $1 AND slot = $3 AND kind = 'extra' AND name = $2`,
        [channel.channelId, name, channel.slot],
      );
      if (affected === 0) throw multiWebhookError(404, `no destination named "${name}"`);
    });
  }

  /**
   * A new signing secret for one destination, found by its exact name; its previous secret keeps
   * signing next to the new one for 24 h, as for the primary webhook. Needs no channel lock: it
   * changes neither the set of destinations nor their number.
   */
  async rotateSecret(channel: PartnerChannel, name: string): Promise<ExtraRotatedSecret> {
    if (name.length === 0) throw multiWebhookError(400, 'name must not be empty');
    const outcome = await this.rotation.rotate(channel, { kind: 'extra', name });
    if (!outcome.rotated) {
      throw multiWebhookError(
        404,
        outcome.reason === 'disabled'
          ? `destination "${name}" was disabled after a 410 Gone: PATCH it to enable it again`
          : `no destination named "${name}"`,
      );
    }
    return { name, ...outcome.secret };
  }

  private async findExtra(channel: PartnerChannel, name: string): Promise<DestinationRow> {
    const rows: DestinationRow[] = await this.dataSource.query(
      `SELECT name, url, headers, on_premise_format, app_secret, ordered, events, disabled_at
         FROM webhook_destinations WHERE channel_id = $1 AND slot = $3 AND kind = 'extra' AND name = $2`,
      [channel.channelId, name, channel.slot],
    );
    if (rows.length === 0) throw multiWebhookError(404, `no destination named "${name}"`);
    const row = rows[0];
    return { ...row, headers: this.config.secrets.openHeaders(row.headers), app_secret: this.config.secrets.openOptional(row.app_secret) };
  }

  /** Host names are resolved once here to refuse those pointing inside; the router checks again at every attempt. */
  private async checkAddresses(destinations: ExtraDestinationRequest[]): Promise<void> {
    for (const destination of destinations) {
      try {
        await resolveSafeAddress(destination.hostname, this.config.webhookUrlPolicy);
      } catch (error) {
        const reason = error instanceof UnsafeUrlError ? error.message : 'url host could not be resolved';
        throw multiWebhookError(400, `destination "${destination.name}": ${reason}`);
      }
    }
  }

  private async insert(manager: EntityManager, channel: PartnerChannel, destination: ExtraDestinationRequest): Promise<string> {
    const secret = generateSigningSecret();
    await manager.query(
      // clock_timestamp(), not now(): destinations are listed in the order they were added, also within one request
      `INSERT INTO webhook_destinations (channel_id, kind, name, url, headers, signing_secret, on_premise_format, app_secret, ordered, events, slot, created_at)
       VALUES ($1, 'extra', $2, $3, $4::jsonb, $5, $6, $7, $8, $9, $10, clock_timestamp())`,
      [
        channel.channelId,
        destination.name,
        destination.url,
        JSON.stringify(this.config.secrets.sealHeaders(destination.headers)),
        this.config.secrets.seal(secret),
        destination.onPremiseFormat,
        this.config.secrets.sealOptional(destination.appSecret),
        destination.ordered,
        destination.events,
        channel.slot,
      ],
    );
    return secret;
  }

  /** Runs a change under the channel lock and answers with the state it left, read in the same transaction. */
  private async change(
    channel: PartnerChannel,
    message: string,
    work: (manager: EntityManager, enabled: boolean, secrets: Map<string, string>) => Promise<void>,
  ): Promise<MultiWebhookChange> {
    return this.dataSource.transaction(async (manager) => {
      const locked: { multi_webhook_enabled: boolean }[] = await manager.query(
        `SELECT $2 = ANY (multi_webhook_slots) AS multi_webhook_enabled FROM channels WHERE id = $1 FOR NO KEY UPDATE`,
        [channel.channelId, channel.slot],
      );
      const active: unknown[] = await manager.query(`SELECT 1 FROM api_keys WHERE id = $1 AND revoked_at IS NULL`, [channel.keyId]);
      if (locked.length === 0 || active.length === 0) throw apiError(401, INVALID_KEY_MESSAGE);
      const secrets = new Map<string, string>();
      await work(manager, locked[0].multi_webhook_enabled, secrets);
      const [state]: { multi_webhook_enabled: boolean }[] = await manager.query(
        `SELECT $2 = ANY (multi_webhook_slots) AS multi_webhook_enabled FROM channels WHERE id = $1`,
        [channel.channelId, channel.slot],
      );
      const extras: DestinationRow[] = await manager.query(SELECT_EXTRAS, [channel.channelId, channel.slot]);
      return { message, enabled: state.multi_webhook_enabled, destinations: extras.map((row) => view(row, secrets, this.config.secrets)) };
    });
  }
}
