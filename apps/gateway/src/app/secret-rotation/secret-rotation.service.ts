import { Inject, Injectable } from '@nestjs/common';
import { generateSigningSecret } from '@wabridge/webhook-security';
import type { DataSource } from 'typeorm';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import { INVALID_KEY_MESSAGE } from '../auth/partner-auth.guard';
import type { PartnerChannel } from '../auth/partner-auth.service';
import { apiError } from '../errors/api-exception';
import { GATEWAY_DATA_SOURCE } from '../infra/infra.module';

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

/** The primary webhook's row carries this name as well as its kind. */
const PRIMARY_NAME = 'primary';

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
    @Inject(GATEWAY_DATA_SOURCE) private readonly dataSource: DataSource,
  ) {}

  async rotate(channel: PartnerChannel, target: RotationTarget): Promise<RotationOutcome> {
    const signingSecret = generateSigningSecret();
    return this.dataSource.transaction(async (manager): Promise<RotationOutcome> => {
      const active: unknown[] = await manager.query(`SELECT 1 FROM api_keys WHERE id = $1 AND revoked_at IS NULL FOR SHARE`, [
        channel.keyId,
      ]);
      if (active.length === 0) throw apiError(401, INVALID_KEY_MESSAGE);
      const found: { id: string; disabled_at: Date | null }[] = await manager.query(
        `SELECT id, disabled_at FROM webhook_destinations
          WHERE channel_id = $1 AND slot = $4 AND kind = $2 AND name = $3
          FOR NO KEY UPDATE`,
        [channel.channelId, target.kind, target.kind === 'primary' ? PRIMARY_NAME : target.name, channel.slot],
      );
      if (found.length === 0) return { rotated: false, reason: 'unknown' };
      if (found[0].disabled_at !== null) return { rotated: false, reason: 'disabled' };
      // TypeORM answers [rows, count] for UPDATE … RETURNING on postgres
      const [updated]: [{ previous_secret_expires_at: Date }[], number] = await manager.query(
        `UPDATE webhook_destinations
            SET previous_signing_secret = signing_secret,
                previous_secret_expires_at = now() + make_interval(hours => $3),
                signing_secret = $2,
                updated_at = now()
          WHERE id = $1
          RETURNING previous_secret_expires_at`,
        [found[0].id, this.config.secrets.seal(signingSecret), ROTATION_OVERLAP_HOURS],
      );
      return {
        rotated: true,
        secret: { signing_secret: signingSecret, previous_secret_expires_at: updated[0].previous_secret_expires_at.toISOString() },
      };
    });
  }
}
