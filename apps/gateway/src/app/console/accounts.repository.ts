import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { pgErrorCode, PG_FOREIGN_KEY_VIOLATION } from '../data/pg-errors';
import { Transactions } from '../data/transactions';
import { GATEWAY_DATA_SOURCE } from '../infra/infra.module';

export type ConsoleRole = 'operator' | 'client';

export interface UserRow {
  id: string;
  email: string;
  role: ConsoleRole;
  client_id: string | null;
  client_name: string | null;
  password_hash: string;
  locked_until: Date | null;
}

export interface NewInvite {
  tokenHash: string;
  email: string;
  role: ConsoleRole;
  clientId: string | null;
  createdBy: string | null;
  expiresInHours: number;
}

/** How an account is locked after wrong passwords: free failures, then a doubling lock up to a cap. */
export interface LockPolicy {
  freeFailures: number;
  firstLockSeconds: number;
  maxLockSeconds: number;
}

const USER_SELECT = `
  SELECT u.id, u.email, u.role, u.client_id, c.name AS client_name, u.password_hash, u.locked_until
    FROM console_users u LEFT JOIN clients c ON c.id = u.client_id`;

/** The console's accounts (`console_users`, `console_invites`, `console_sessions`): only hashes of passwords and tokens. */
@Injectable()
export class AccountsRepository {
  constructor(
    @Inject(GATEWAY_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly transactions: Transactions,
  ) {}

  /** Stores an invite; answers when it expires, or `unknown_client` when its client_id names none. */
  async createInvite(invite: NewInvite): Promise<Date | 'unknown_client'> {
    try {
      const [row]: { expires_at: Date }[] = await this.dataSource.query(
        `INSERT INTO console_invites (token_hash, email, role, client_id, created_by, expires_at)
         VALUES ($1, $2, $3, $4, $5, now() + make_interval(hours => $6))
         RETURNING expires_at`,
        [invite.tokenHash, invite.email, invite.role, invite.clientId, invite.createdBy, invite.expiresInHours],
      );
      return row.expires_at;
    } catch (error) {
      if (pgErrorCode(error) === PG_FOREIGN_KEY_VIOLATION) return 'unknown_client';
      throw error;
    }
  }

  /** An unused, unexpired invite; null otherwise. */
  async openInvite(tokenHash: string): Promise<{ email: string; role: ConsoleRole; client_name: string | null; expires_at: Date } | null> {
    const rows: { email: string; role: ConsoleRole; client_name: string | null; expires_at: Date }[] = await this.dataSource.query(
      `SELECT i.email, i.role, c.name AS client_name, i.expires_at
         FROM console_invites i LEFT JOIN clients c ON c.id = i.client_id
        WHERE i.token_hash = $1 AND i.used_at IS NULL AND i.expires_at > now()`,
      [tokenHash],
    );
    return rows[0] ?? null;
  }

  /**
   * Uses an invite: marks it used and creates (or, for an e-mail already known, resets the password
   * of) the account, ending its sessions, in one transaction. The UPDATE ... WHERE used_at IS NULL
   * makes it single use even when two browsers race. Answers the e-mail, or null when the invite was
   * used or has expired.
   */
  async acceptInvite(tokenHash: string, passwordHash: string): Promise<string | null> {
    return this.transactions.run(async (tx) => {
      const rows: { email: string; role: ConsoleRole; client_id: string | null }[] = await tx.query(
        // through a CTE: TypeORM answers a bare UPDATE with [rows, count], a SELECT with rows
        `WITH used AS (
           UPDATE console_invites SET used_at = now()
            WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()
            RETURNING email, role, client_id)
         SELECT email, role, client_id FROM used`,
        [tokenHash],
      );
      if (rows.length === 0) return null;
      const invite = rows[0];
      await tx.query(
        `INSERT INTO console_users (email, role, client_id, password_hash) VALUES ($1, $2, $3, $4)
         ON CONFLICT (email) DO UPDATE SET role = EXCLUDED.role, client_id = EXCLUDED.client_id,
           password_hash = EXCLUDED.password_hash, failed_sign_ins = 0, locked_until = NULL`,
        [invite.email, invite.role, invite.client_id, passwordHash],
      );
      // a new password ends every session the account had
      await tx.query(`DELETE FROM console_sessions WHERE user_id = (SELECT id FROM console_users WHERE email = $1)`, [invite.email]);
      return invite.email;
    });
  }

  async userByEmail(email: string): Promise<UserRow | undefined> {
    const rows: UserRow[] = await this.dataSource.query(`${USER_SELECT} WHERE u.email = $1`, [email]);
    return rows[0];
  }

  /** Counts a wrong password; from `freeFailures` on, the account is locked for a doubling time up to the cap. */
  async recordFailedSignIn(userId: string, policy: LockPolicy): Promise<void> {
    await this.dataSource.query(
      `UPDATE console_users
          SET failed_sign_ins = failed_sign_ins + 1,
              locked_until = CASE WHEN failed_sign_ins + 1 >= $2
                THEN now() + make_interval(secs => least($3::float8 * power(2, failed_sign_ins + 1 - $2), $4::float8))
                ELSE NULL END
        WHERE id = $1`,
      [userId, policy.freeFailures, policy.firstLockSeconds, policy.maxLockSeconds],
    );
  }

  async clearFailedSignIns(userId: string): Promise<void> {
    await this.dataSource.query(`UPDATE console_users SET failed_sign_ins = 0, locked_until = NULL WHERE id = $1`, [userId]);
  }

  async deleteExpiredSessions(): Promise<void> {
    await this.dataSource.query(`DELETE FROM console_sessions WHERE expires_at < now()`);
  }

  async createSession(session: { tokenHash: string; userId: string; csrfToken: string; seconds: number }): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO console_sessions (token_hash, user_id, csrf_token, expires_at) VALUES ($1, $2, $3, now() + make_interval(secs => $4))`,
      [session.tokenHash, session.userId, session.csrfToken, session.seconds],
    );
  }

  /** The unexpired session's user and CSRF token. */
  async session(tokenHash: string): Promise<(Omit<UserRow, 'password_hash' | 'locked_until'> & { csrf_token: string }) | undefined> {
    const rows: (Omit<UserRow, 'password_hash' | 'locked_until'> & { csrf_token: string })[] = await this.dataSource.query(
      `SELECT u.id, u.email, u.role, u.client_id, c.name AS client_name, s.csrf_token
         FROM console_sessions s
         JOIN console_users u ON u.id = s.user_id
         LEFT JOIN clients c ON c.id = u.client_id
        WHERE s.token_hash = $1 AND s.expires_at > now()`,
      [tokenHash],
    );
    return rows[0];
  }

  async deleteSession(tokenHash: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM console_sessions WHERE token_hash = $1`, [tokenHash]);
  }
}
