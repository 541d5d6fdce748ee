import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import { apiError, ApiException } from '../errors/api-exception';
import { GATEWAY_DATA_SOURCE } from '../infra/infra.module';
import { SendRateLimiter } from '../messages/send-rate-limiter';
import { dummyPasswordHash, hashPassword, newToken, tokenHash, verifyPassword } from './console-security';

export type ConsoleRole = 'operator' | 'client';

export interface ConsoleUser {
  id: string;
  email: string;
  role: ConsoleRole;
  client_id: string | null;
  client_name: string | null;
}

export interface ConsoleSession {
  user: ConsoleUser;
  csrfToken: string;
}

/** Sessions end this long after sign-in, whatever happens in between. */
export const SESSION_SECONDS = 12 * 60 * 60;
/** Wrong passwords in a row after which an account is locked for a while (doubling, up to the cap). */
export const FREE_FAILURES = 5;
const FIRST_LOCK_SECONDS = 15;
const MAX_LOCK_SECONDS = 15 * 60;
/** Sign-in attempts per gateway instance, all accounts together: 2 per second, bursts of 30. */
const GLOBAL_SIGN_IN_RATE = 2;
const GLOBAL_SIGN_IN_BURST = 30;

interface UserRow {
  id: string;
  email: string;
  role: ConsoleRole;
  client_id: string | null;
  client_name: string | null;
  password_hash: string;
  locked_until: Date | null;
}

const USER_SELECT = `
  SELECT u.id, u.email, u.role, u.client_id, c.name AS client_name, u.password_hash, u.locked_until
    FROM console_users u LEFT JOIN clients c ON c.id = u.client_id`;

const userView = (row: UserRow): ConsoleUser => ({
  id: row.id,
  email: row.email,
  role: row.role,
  client_id: row.client_id,
  client_name: row.client_name,
});

function tooMany(retryAfterSeconds: number): ApiException {
  return new ApiException(429, { error: 'too many sign-in attempts; try again later', retry_after_seconds: retryAfterSeconds });
}

/** The console's users, invites and sessions (docs/console.md). */
@Injectable()
export class AccountsService {
  private readonly globalSignIns = new SendRateLimiter(GLOBAL_SIGN_IN_RATE, GLOBAL_SIGN_IN_BURST);

  constructor(
    @Inject(GATEWAY_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /**
   * A single-use invite; the token is in the returned link this once and only its hash is kept. It
   * rides in the link's fragment, so it never reaches a server log or a Referer header.
   */
  async createInvite(input: { email: string; role: ConsoleRole; client_id?: string; expires_in_hours: number }, createdBy: string | null) {
    const token = newToken();
    try {
      const [row]: { expires_at: Date }[] = await this.dataSource.query(
        `INSERT INTO console_invites (token_hash, email, role, client_id, created_by, expires_at)
         VALUES ($1, $2, $3, $4, $5, now() + make_interval(hours => $6))
         RETURNING expires_at`,
        [tokenHash(token), input.email, input.role, input.client_id ?? null, createdBy, input.expires_in_hours],
      );
      return {
        email: input.email,
        role: input.role,
        client_id: input.client_id ?? null,
        expires_at: row.expires_at.toISOString(),
        link: `${this.config.publicUrl}/console/#/invite/${token}`,
      };
    } catch (error) {
      if ((error as { driverError?: { code?: string } }).driverError?.code === '23503') throw apiError(404, 'client_id does not name a known client');
      throw error;
    }
  }

  /** What an unused, unexpired invite is for (the accept page shows it); 410 otherwise. */
  async inspectInvite(token: string): Promise<{ email: string; role: ConsoleRole; client_name: string | null; expires_at: string }> {
    const rows: { email: string; role: ConsoleRole; client_name: string | null; expires_at: Date }[] = await this.dataSource.query(
      `SELECT i.email, i.role, c.name AS client_name, i.expires_at
         FROM console_invites i LEFT JOIN clients c ON c.id = i.client_id
        WHERE i.token_hash = $1 AND i.used_at IS NULL AND i.expires_at > now()`,
      [tokenHash(token)],
    );
    if (rows.length === 0) throw apiError(410, 'this invite link was already used or has expired');
    return { ...rows[0], expires_at: rows[0].expires_at.toISOString() };
  }

  /**
   * Uses an invite: marks it used and creates (or, for an e-mail already known, resets the password
   * of) the account, in one transaction. The UPDATE ... WHERE used_at IS NULL makes it single use
   * even when two browsers race.
   */
  async acceptInvite(token: string, password: string): Promise<{ email: string }> {
    const passwordHash = await hashPassword(password);
    return this.dataSource.transaction(async (manager) => {
      const rows: { email: string; role: ConsoleRole; client_id: string | null }[] = await manager.query(
        // through a CTE: TypeORM answers a bare UPDATE with [rows, count], a SELECT with rows
        `WITH used AS (
           UPDATE console_invites SET used_at = now()
            WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()
            RETURNING email, role, client_id)
         SELECT email, role, client_id FROM used`,
        [tokenHash(token)],
      );
      if (rows.length === 0) throw apiError(410, 'this invite link was already used or has expired');
      const invite = rows[0];
      await manager.query(
        `INSERT INTO console_users (email, role, client_id, password_hash) VALUES ($1, $2, $3, $4)
         ON CONFLICT (email) DO UPDATE SET role = EXCLUDED.role, client_id = EXCLUDED.client_id,
           password_hash = EXCLUDED.password_hash, failed_sign_ins = 0, locked_until = NULL`,
        [invite.email, invite.role, invite.client_id, passwordHash],
      );
      // a new password ends every session the account had
      await manager.query(`DELETE FROM console_sessions WHERE user_id = (SELECT id FROM console_users WHERE email = $1)`, [invite.email]);
      return { email: invite.email };
    });
  }

  /** Checks the password and opens a session, or answers 401 / 429 (docs/console.md: sign-in limits). */
  async signIn(email: string, password: string): Promise<{ token: string; session: ConsoleSession }> {
    const global = this.globalSignIns.take('all');
    if (!global.allowed) throw tooMany(global.retryAfterSeconds);
    const rows: UserRow[] = await this.dataSource.query(`${USER_SELECT} WHERE u.email = $1`, [email]);
    const user = rows[0];
    if (user?.locked_until && user.locked_until.getTime() > Date.now()) {
      throw tooMany(Math.ceil((user.locked_until.getTime() - Date.now()) / 1000));
    }
    const matches = await verifyPassword(password, user?.password_hash ?? (await dummyPasswordHash()));
    if (!user || !matches) {
      if (user) {
        await this.dataSource.query(
          `UPDATE console_users
              SET failed_sign_ins = failed_sign_ins + 1,
                  locked_until = CASE WHEN failed_sign_ins + 1 >= $2
                    THEN now() + make_interval(secs => least($3::float8 * power(2, failed_sign_ins + 1 - $2), $4::float8))
                    ELSE NULL END
            WHERE id = $1`,
          [user.id, FREE_FAILURES, FIRST_LOCK_SECONDS, MAX_LOCK_SECONDS],
        );
      }
      throw apiError(401, 'wrong e-mail or password');
    }
    await this.dataSource.query(`UPDATE console_users SET failed_sign_ins = 0, locked_until = NULL WHERE id = $1`, [user.id]);
    await this.dataSource.query(`DELETE FROM console_sessions WHERE expires_at < now()`);
    const token = newToken();
    const csrfToken = newToken();
    await this.dataSource.query(
      `INSERT INTO console_sessions (token_hash, user_id, csrf_token, expires_at) VALUES ($1, $2, $3, now() + make_interval(secs => $4))`,
      [tokenHash(token), user.id, csrfToken, SESSION_SECONDS],
    );
    return { token, session: { user: userView(user), csrfToken } };
  }

  async session(token: string): Promise<ConsoleSession | undefined> {
    const rows: (UserRow & { csrf_token: string })[] = await this.dataSource.query(
      `SELECT u.id, u.email, u.role, u.client_id, c.name AS client_name, s.csrf_token
         FROM console_sessions s
         JOIN console_users u ON u.id = s.user_id
         LEFT JOIN clients c ON c.id = u.client_id
        WHERE s.token_hash = $1 AND s.expires_at > now()`,
      [tokenHash(token)],
    );
    return rows[0] ? { user: userView(rows[0]), csrfToken: rows[0].csrf_token } : undefined;
  }

  async signOut(token: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM console_sessions WHERE token_hash = $1`, [tokenHash(token)]);
  }
}
