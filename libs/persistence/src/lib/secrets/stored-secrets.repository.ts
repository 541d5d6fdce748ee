import { isSealed, type SecretBox } from '@wabridge/webhook-security';

/** What can run a query: a DataSource, an EntityManager or a migration's QueryRunner. */
export interface Queryable {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/** The stored secrets do not open with SECRETS_KEY: the service must not start (it could neither sign nor answer). */
export class StoredSecretsError extends Error {
  override name = 'StoredSecretsError';
}

interface SecretRow {
  id: string;
  signing_secret: string;
  previous_signing_secret: string | null;
  app_secret: string | null;
  headers: Record<string, string> | null;
}

const BATCH = 500;

/** `webhook_destinations` rows holding a value not sealed with `prefix`, after `cursor` in id order. */
const STALE_ROWS = `
  SELECT id, signing_secret, previous_signing_secret, app_secret, headers
    FROM webhook_destinations
   WHERE id > $3::uuid
     AND (left(signing_secret, $2) <> $1
          OR left(coalesce(previous_signing_secret, $1), $2) <> $1
          OR left(coalesce(app_secret, $1), $2) <> $1
          OR EXISTS (SELECT 1 FROM jsonb_each_text(headers) h WHERE left(h.value, $2) <> $1))
   ORDER BY id
   LIMIT ${BATCH}`;

const FIRST_UUID = '00000000-0000-0000-0000-000000000000';

async function rewrite(db: Queryable, transform: (value: string) => string, stale: (cursor: string) => Promise<SecretRow[]>): Promise<number> {
  let changed = 0;
  let cursor = FIRST_UUID;
  for (;;) {
    const rows = await stale(cursor);
    if (rows.length === 0) return changed;
    for (const row of rows) {
      const headers = Object.fromEntries(Object.entries(row.headers ?? {}).map(([name, value]) => [name, transform(value)]));
      // only if nobody changed the row meanwhile: a concurrent write seals with the current key itself
      const [, affected] = (await db.query(
        `UPDATE webhook_destinations
            SET signing_secret = $6, previous_signing_secret = $7, app_secret = $8, headers = $9::jsonb
          WHERE id = $1 AND signing_secret = $2 AND previous_signing_secret IS NOT DISTINCT FROM $3
            AND app_secret IS NOT DISTINCT FROM $4 AND headers = $5::jsonb`,
        [
          row.id,
          row.signing_secret,
          row.previous_signing_secret,
          row.app_secret,
          JSON.stringify(row.headers ?? {}),
          transform(row.signing_secret),
          row.previous_signing_secret === null ? null : transform(row.previous_signing_secret),
          row.app_secret === null ? null : transform(row.app_secret),
          JSON.stringify(headers),
        ],
      )) as [unknown, number];
      changed += affected;
    }
    cursor = rows[rows.length - 1].id;
  }
}

/**
 * Seals every stored secret that is in clear (rows from before encryption at rest) or sealed with a
 * key other than SECRETS_KEY's first (after a key rotation), with SECRETS_KEY's first key. Answers
 * how many rows it rewrote. Safe to run while the services run and from several processes at once.
 */
export async function sealStoredSecrets(db: Queryable, box: SecretBox): Promise<number> {
  const prefix = `wbsec1.${box.primaryKeyId}.`;
  const reseal = (value: string) => (box.isCurrent(value) ? value : box.seal(isSealed(value) ? box.open(value) : value));
  return rewrite(db, reseal, async (cursor) => (await db.query(STALE_ROWS, [prefix, prefix.length, cursor])) as SecretRow[]);
}

/** Puts every stored secret back in clear: only for reverting the encryption migration. */
export async function unsealStoredSecrets(db: Queryable, box: SecretBox): Promise<number> {
  const open = (value: string) => (isSealed(value) ? box.open(value) : value);
  return rewrite(
    db,
    open,
    async (cursor) =>
      (await db.query(
        `SELECT id, signing_secret, previous_signing_secret, app_secret, headers
           FROM webhook_destinations WHERE id > $1::uuid ORDER BY id LIMIT ${BATCH}`,
        [cursor],
      )) as SecretRow[],
  );
}

/** How many rows hold a secret in clear. */
export async function countClearSecrets(db: Queryable): Promise<number> {
  const [row] = (await db.query(
    `SELECT count(*)::int AS n FROM webhook_destinations
      WHERE left(signing_secret, 7) <> 'wbsec1.'
         OR left(coalesce(previous_signing_secret, 'wbsec1.'), 7) <> 'wbsec1.'
         OR left(coalesce(app_secret, 'wbsec1.'), 7) <> 'wbsec1.'
         OR EXISTS (SELECT 1 FROM jsonb_each_text(headers) h WHERE left(h.value, 7) <> 'wbsec1.')`,
  )) as { n: number }[];
  return row.n;
}

/**
 * Start-up check: one stored value per key id must open with SECRETS_KEY, and nothing may be stored
 * in clear. A wrong or missing key stops the service with a message saying which key id is at fault,
 * instead of every delivery failing later.
 */
export async function checkStoredSecrets(db: Queryable, box: SecretBox): Promise<void> {
  const clear = await countClearSecrets(db);
  if (clear > 0) {
    throw new StoredSecretsError(
      `${clear} webhook destination(s) hold secrets in clear: run the migrations with SECRETS_KEY set (npm start and the test harness do)`,
    );
  }
  const samples = (await db.query(
    `SELECT DISTINCT ON (kid) kid, value
       FROM (SELECT split_part(v, '.', 2) AS kid, v AS value
               FROM webhook_destinations d,
                    LATERAL (SELECT d.signing_secret UNION ALL SELECT d.previous_signing_secret UNION ALL SELECT d.app_secret
                             UNION ALL SELECT h.value FROM jsonb_each_text(d.headers) h) s(v)
              WHERE v IS NOT NULL) sealed
      ORDER BY kid`,
  )) as { kid: string; value: string }[];
  for (const sample of samples) {
    try {
      box.open(sample.value);
    } catch (error) {
      throw new StoredSecretsError(`SECRETS_KEY cannot open the stored secrets: ${(error as Error).message}`);
    }
  }
}
