import { Inject, Injectable } from '@nestjs/common';
import { generateSigningSecret, resolveSafeAddress, UnsafeUrlError, type SecretBox } from '@wabridge/webhook-security';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import { INVALID_KEY_MESSAGE } from '../auth/partner-auth.guard';
import type { PartnerChannel } from '../auth/partner-auth.service';
import { ApiKeysRepository } from '../data/api-keys.repository';
import { ChannelsRepository } from '../data/channels.repository';
import { DestinationsRepository, type DestinationRow, type DestinationWrite } from '../data/destinations.repository';
import { Transactions, type Tx } from '../data/transactions';
import { apiError, ApiException } from '../errors/api-exception';
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
    private readonly transactions: Transactions,
    private readonly apiKeys: ApiKeysRepository,
    private readonly channels: ChannelsRepository,
    private readonly destinations: DestinationsRepository,
    private readonly rotation: SecretRotationService,
  ) {}

  async current(channel: PartnerChannel): Promise<MultiWebhookView> {
    const enabled = await this.apiKeys.multiWebhookEnabled(channel.keyId);
    if (enabled === null) throw apiError(401, INVALID_KEY_MESSAGE);
    const extras = await this.destinations.extras(channel.channelId, channel.slot);
    return { enabled, destinations: extras.map((row) => view(row, new Map(), this.config.secrets)) };
  }

  /** POST: switches the feature on or off and replaces the whole set. */
  async replace(channel: PartnerChannel, body: unknown, defaults: DestinationDefaults = {}): Promise<MultiWebhookChange> {
    const request = unwrap(parseReplaceRequest(body, this.config.webhookUrlPolicy, this.config.multiWebhookMax, defaults));
    await this.checkAddresses(request.destinations);
    return this.change(channel, request.enabled ? 'multi webhook enabled' : 'multi webhook disabled', async (tx, _enabled, secrets) => {
      await this.destinations.deleteExtras(tx, channel.channelId, channel.slot);
      await this.channels.setMultiWebhook(tx, channel.channelId, channel.slot, request.enabled);
      for (const destination of request.destinations) secrets.set(destination.name, await this.insert(tx, channel, destination));
    });
  }

  /** PUT: appends destinations to an enabled feature, within the cap and without reusing a name. */
  async append(channel: PartnerChannel, body: unknown, defaults: DestinationDefaults = {}): Promise<MultiWebhookChange> {
    const destinations = unwrap(parseAppendRequest(body, this.config.webhookUrlPolicy, this.config.multiWebhookMax, defaults));
    await this.checkAddresses(destinations);
    return this.change(channel, 'destinations added', async (tx, enabled, secrets) => {
      if (!enabled) throw multiWebhookError(409, 'multi webhook is not enabled: POST {"enabled": true} first');
      const existing = await this.destinations.extraNames(tx, channel.channelId, channel.slot);
      const taken = new Set(existing);
      const clash = destinations.find((destination) => taken.has(destination.name));
      if (clash) throw multiWebhookError(409, `a destination named "${clash.name}" already exists`);
      if (existing.length + destinations.length > this.config.multiWebhookMax) {
        throw multiWebhookError(409, `at most ${this.config.multiWebhookMax} destinations are allowed per number (per partner slot)`);
      }
      for (const destination of destinations) secrets.set(destination.name, await this.insert(tx, channel, destination));
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
    const updated = unwrap(applyPatch({ ...current, name, headers: current.headers ?? {} }, changes, this.config.webhookUrlPolicy));
    await this.checkAddresses([updated]);
    return this.change(channel, 'destination updated', async (tx) => {
      const found = await this.destinations.updateExtra(tx, channel.channelId, channel.slot, name, this.sealed(updated));
      if (!found) throw multiWebhookError(404, `no destination named "${name}"`);
    });
  }

  /** DELETE by name removes one destination; without a name, all of them, and the feature is switched off. */
  async remove(channel: PartnerChannel, name: string | undefined): Promise<MultiWebhookChange> {
    if (name === undefined) {
      return this.change(channel, 'multi webhook disabled', async (tx) => {
        await this.destinations.deleteExtras(tx, channel.channelId, channel.slot);
        await this.channels.setMultiWebhook(tx, channel.channelId, channel.slot, false);
      });
    }
    if (name.length === 0) throw multiWebhookError(400, 'name must not be empty');
    return this.change(channel, 'destination deleted', async (tx) => {
      const found = await this.destinations.deleteExtra(tx, channel.channelId, channel.slot, name);
      if (!found) throw multiWebhookError(404, `no destination named "${name}"`);
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
        outcome.reason === 'disabled' ? `destination "${name}" was disabled after a 410 Gone: PATCH it to enable it again` : `no destination named "${name}"`,
      );
    }
    return { name, ...outcome.secret };
  }

  private async findExtra(channel: PartnerChannel, name: string): Promise<DestinationRow> {
    const row = await this.destinations.findExtra(channel.channelId, channel.slot, name);
    if (row === null) throw multiWebhookError(404, `no destination named "${name}"`);
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

  private async insert(tx: Tx, channel: PartnerChannel, destination: ExtraDestinationRequest): Promise<string> {
    const secret = generateSigningSecret();
    await this.destinations.insertExtra(tx, channel.channelId, channel.slot, destination.name, {
      ...this.sealed(destination),
      signingSecret: this.config.secrets.seal(secret),
    });
    return secret;
  }

  /** What is stored of a destination: header values and the app secret sealed. */
  private sealed(destination: Omit<ExtraDestinationRequest, 'name' | 'hostname'>): DestinationWrite {
    return {
      url: destination.url,
      headers: this.config.secrets.sealHeaders(destination.headers),
      onPremiseFormat: destination.onPremiseFormat,
      appSecret: this.config.secrets.sealOptional(destination.appSecret),
      ordered: destination.ordered,
      events: destination.events,
    };
  }

  /** Runs a change under the channel lock and answers with the state it left, read in the same transaction. */
  private async change(
    channel: PartnerChannel,
    message: string,
    work: (tx: Tx, enabled: boolean, secrets: Map<string, string>) => Promise<void>,
  ): Promise<MultiWebhookChange> {
    return this.transactions.run(async (tx) => {
      const locked = await this.channels.lock(tx, channel.channelId);
      const active = await this.apiKeys.isActive(tx, channel.keyId, 'none');
      if (locked === null || !active) throw apiError(401, INVALID_KEY_MESSAGE);
      const secrets = new Map<string, string>();
      await work(tx, locked.multiWebhookSlots.includes(channel.slot), secrets);
      const enabled = await this.channels.multiWebhookEnabled(tx, channel.channelId, channel.slot);
      const extras = await this.destinations.extras(channel.channelId, channel.slot, tx);
      return { message, enabled, destinations: extras.map((row) => view(row, secrets, this.config.secrets)) };
    });
  }
}
