import { Inject, Injectable } from '@nestjs/common';
import { generateSigningSecret } from '@wabridge/webhook-security';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import { INVALID_KEY_MESSAGE } from '../auth/partner-auth.guard';
import type { PartnerChannel } from '../auth/partner-auth.service';
import { ApiKeysRepository } from '../data/api-keys.repository';
import { DestinationsRepository, PRIMARY_NAME } from '../data/destinations.repository';
import { Transactions } from '../data/transactions';
import { apiError } from '../errors/api-exception';

/** How long a rotated-out secret keeps signing (docs/delivery.md, Signing and body). */
export const ROTATION_OVERLAP_HOURS = 24;

/** Which destination of the caller's slot gets a new secret: the primary webhook or a named /multi_webhook extra. */
export type RotationTarget = { kind: 'primary' } | { kind: 'extra'; name: string };

export interface RotatedSecret {
  signing_secret: string;
  previous_secret_expires_at: string;
}

/** `unknown`: no such destination; `disabled`: the router disabled it after a 410 Gone, so it receives nothing to sign. */
export type RotationOutcome = { rotated: true; secret: RotatedSecret } | { rotated: false; reason: 'unknown' | 'disabled' };

/**
 * The partner rotates a destination's signing secret: the old one keeps signing next to the new one
 * for 24 h, so it can switch its verification without losing a delivery. The router signs with both
 * for any destination row that has a previous secret. Any other change of a secret (a rebinding, a
 * re-created extra) never keeps the previous one: a database trigger clears it, see the migration.
 *
 * The caller's key row is share-locked first: a concurrent key re-issue (which revokes the key and
 * then drops every destination) is either fully before — the key is seen as revoked — or waits for
 * this rotation and then drops the rotated destination.
 */
@Injectable()
export class SecretRotationService {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly transactions: Transactions,
    private readonly apiKeys: ApiKeysRepository,
    private readonly destinations: DestinationsRepository,
  ) {}

  async rotate(channel: PartnerChannel, target: RotationTarget): Promise<RotationOutcome> {
    const signingSecret = generateSigningSecret();
    return this.transactions.run(async (tx): Promise<RotationOutcome> => {
      if (!(await this.apiKeys.isActive(tx, channel.keyId, 'share'))) throw apiError(401, INVALID_KEY_MESSAGE);
      const found = await this.destinations.lockForRotation(
        tx,
        channel.channelId,
        channel.slot,
        target.kind,
        target.kind === 'primary' ? PRIMARY_NAME : target.name,
      );
      if (found === null) return { rotated: false, reason: 'unknown' };
      if (found.disabled_at !== null) return { rotated: false, reason: 'disabled' };
      const expiresAt = await this.destinations.rotateSecret(tx, found.id, this.config.secrets.seal(signingSecret), ROTATION_OVERLAP_HOURS);
      return {
        rotated: true,
        secret: { signing_secret: signingSecret, previous_secret_expires_at: expiresAt.toISOString() },
      };
    });
  }
}
