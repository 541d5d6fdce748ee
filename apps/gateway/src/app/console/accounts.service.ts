import { Inject, Injectable } from '@nestjs/common';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import { apiError, ApiException } from '../errors/api-exception';
import { SendRateLimiter } from '../messages/send-rate-limiter';
import { AccountsRepository, type ConsoleRole } from './accounts.repository';
import { dummyPasswordHash, hashPassword, newToken, tokenHash, verifyPassword } from './console-security';

export type { ConsoleRole } from './accounts.repository';

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

const userView = (row: ConsoleUser): ConsoleUser => ({
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
    private readonly accounts: AccountsRepository,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /**
   * A single-use invite; the token is in the returned link this once and only its hash is kept. It
   * rides in the link's fragment, so it never reaches a server log or a Referer header.
   */
  async createInvite(input: { email: string; role: ConsoleRole; client_id?: string; expires_in_hours: number }, createdBy: string | null) {
    const token = newToken();
    const expiresAt = await this.accounts.createInvite({
      tokenHash: tokenHash(token),
      email: input.email,
      role: input.role,
      clientId: input.client_id ?? null,
      createdBy,
      expiresInHours: input.expires_in_hours,
    });
    if (expiresAt === 'unknown_client') throw apiError(404, 'client_id does not name a known client');
    return {
      email: input.email,
      role: input.role,
      client_id: input.client_id ?? null,
      expires_at: expiresAt.toISOString(),
      link: `${this.config.publicUrl}/console/#/invite/${token}`,
    };
  }

  /** What an unused, unexpired invite is for (the accept page shows it); 410 otherwise. */
  async inspectInvite(token: string): Promise<{ email: string; role: ConsoleRole; client_name: string | null; expires_at: string }> {
    const invite = await this.accounts.openInvite(tokenHash(token));
    if (invite === null) throw apiError(410, 'this invite link was already used or has expired');
    return { ...invite, expires_at: invite.expires_at.toISOString() };
  }

  /**
   * Uses an invite: marks it used and creates (or, for an e-mail already known, resets the password
   * of) the account, in one transaction. The UPDATE ... WHERE used_at IS NULL makes it single use
   * even when two browsers race.
   */
  async acceptInvite(token: string, password: string): Promise<{ email: string }> {
    const passwordHash = await hashPassword(password);
    const email = await this.accounts.acceptInvite(tokenHash(token), passwordHash);
    if (email === null) throw apiError(410, 'this invite link was already used or has expired');
    return { email };
  }

  /** Checks the password and opens a session, or answers 401 / 429 (docs/console.md: sign-in limits). */
  async signIn(email: string, password: string): Promise<{ token: string; session: ConsoleSession }> {
    const global = this.globalSignIns.take('all');
    if (!global.allowed) throw tooMany(global.retryAfterSeconds);
    const user = await this.accounts.userByEmail(email);
    if (user?.locked_until && user.locked_until.getTime() > Date.now()) {
      throw tooMany(Math.ceil((user.locked_until.getTime() - Date.now()) / 1000));
    }
    const matches = await verifyPassword(password, user?.password_hash ?? (await dummyPasswordHash()));
    if (!user || !matches) {
      if (user) {
        await this.accounts.recordFailedSignIn(user.id, {
          freeFailures: FREE_FAILURES,
          firstLockSeconds: FIRST_LOCK_SECONDS,
          maxLockSeconds: MAX_LOCK_SECONDS,
        });
      }
      throw apiError(401, 'wrong e-mail or password');
    }
    await this.accounts.clearFailedSignIns(user.id);
    await this.accounts.deleteExpiredSessions();
    const token = newToken();
    const csrfToken = newToken();
    await this.accounts.createSession({ tokenHash: tokenHash(token), userId: user.id, csrfToken, seconds: SESSION_SECONDS });
    return { token, session: { user: userView(user), csrfToken } };
  }

  async session(token: string): Promise<ConsoleSession | undefined> {
    const row = await this.accounts.session(tokenHash(token));
    return row ? { user: userView(row), csrfToken: row.csrf_token } : undefined;
  }

  async signOut(token: string): Promise<void> {
    await this.accounts.deleteSession(tokenHash(token));
  }
}
