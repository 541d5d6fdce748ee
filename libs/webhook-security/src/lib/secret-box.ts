import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Secrets at rest (signing secrets, partner app secrets, custom header values): AES-256-GCM with a
 * random 96-bit nonce per value, sealed as `wbsec1.<key id>.<nonce>.<ciphertext>.<tag>` (base64url).
 * The key id travels with every value, so keys can rotate: SECRETS_KEY lists `id:base64key` pairs,
 * the first one seals, every one listed opens. The version and key id are authenticated too.
 */
const VERSION = 'wbsec1';
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const SEALED = /^wbsec1\.([A-Za-z0-9_-]{1,32})\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]*)\.([A-Za-z0-9_-]{22})$/;
const KEY_BYTES = 32;
const NONCE_BYTES = 12;

export interface SecretsKey {
  id: string;
  key: Buffer;
}

/** SECRETS_KEY is missing or malformed; the message names what is wrong, never the key. */
export class SecretsKeyError extends Error {
  override name = 'SecretsKeyError';
}

/** A stored value could not be opened with SECRETS_KEY (unknown key id, wrong key or tampered value). */
export class SecretOpenError extends Error {
  override name = 'SecretOpenError';
  constructor(
    message: string,
    readonly keyId: string | null,
  ) {
    super(message);
  }
}

/** Parses `id:base64key[,id2:base64key2…]`: each key exactly 32 bytes, ids unique. */
export function parseSecretsKey(value: string | undefined): SecretsKey[] {
  const entries = (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  if (entries.length === 0) {
    throw new SecretsKeyError('is required: id:base64key, e.g. k1:$(openssl rand -base64 32)');
  }
  const keys: SecretsKey[] = [];
  for (const [index, entry] of entries.entries()) {
    const colon = entry.indexOf(':');
    const id = colon > 0 ? entry.slice(0, colon) : '';
    if (!KEY_ID.test(id)) {
      throw new SecretsKeyError(`entry ${index + 1} must be id:base64key with an id of 1-32 letters, digits, - or _`);
    }
    const encoded = entry.slice(colon + 1);
    const key = /^[A-Za-z0-9+/_-]+={0,2}$/.test(encoded) ? Buffer.from(encoded, 'base64') : Buffer.alloc(0);
    if (key.length !== KEY_BYTES) {
      throw new SecretsKeyError(`key "${id}" must be ${KEY_BYTES} bytes in base64 (openssl rand -base64 32), got ${key.length}`);
    }
    if (new Set(key).size < 16) throw new SecretsKeyError(`key "${id}" is not random (too few distinct bytes): openssl rand -base64 32`);
    if (keys.some((known) => known.id === id)) throw new SecretsKeyError(`key id "${id}" is listed twice`);
    keys.push({ id, key });
  }
  return keys;
}

export function isSealed(value: string): boolean {
  return SEALED.test(value);
}

/** The key id a sealed value names, or null for anything that is not sealed. */
export function sealedKeyId(value: string): string | null {
  return SEALED.exec(value)?.[1] ?? null;
}

export class SecretBox {
  private readonly keys: Map<string, Buffer>;
  /** the id of the key that seals */
  readonly primaryKeyId: string;

  constructor(keys: readonly SecretsKey[]) {
    if (keys.length === 0) throw new SecretsKeyError('needs at least one key');
    this.keys = new Map(keys.map((entry) => [entry.id, entry.key]));
    this.primaryKeyId = keys[0].id;
  }

  static fromEnv(value: string | undefined): SecretBox {
    return new SecretBox(parseSecretsKey(value));
  }

  get keyIds(): string[] {
    return [...this.keys.keys()];
  }

  seal(plain: string): string {
    const id = this.primaryKeyId;
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(id)!, nonce);
    cipher.setAAD(Buffer.from(`${VERSION}.${id}`));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [VERSION, id, nonce.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
  }

  open(sealed: string): string {
    const parts = SEALED.exec(sealed);
    if (!parts) throw new SecretOpenError('stored secret is not sealed (stored in clear?): run the migrations with SECRETS_KEY set', null);
    const [, id, nonce, body, tag] = parts;
    const key = this.keys.get(id);
    if (!key) {
      throw new SecretOpenError(`stored secret was sealed with key id "${id}", which SECRETS_KEY does not list (it lists ${this.keyIds.join(', ')})`, id);
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(nonce, 'base64url'));
      decipher.setAAD(Buffer.from(`${VERSION}.${id}`));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretOpenError(`stored secret does not open with key "${id}" of SECRETS_KEY: wrong key for that id, or the value was altered`, id);
    }
  }

  /** Sealed with the key that seals now: nothing to re-seal after a rotation. */
  isCurrent(value: string): boolean {
    return sealedKeyId(value) === this.primaryKeyId;
  }

  /** Custom headers keep their names in clear (they name, not authenticate); every value is sealed. */
  sealHeaders(headers: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, this.seal(value)]));
  }

  openHeaders(headers: Record<string, string> | null | undefined): Record<string, string> {
    return Object.fromEntries(Object.entries(headers ?? {}).map(([name, value]) => [name, this.open(value)]));
  }

  sealOptional(plain: string | null | undefined): string | null {
    return plain === null || plain === undefined ? null : this.seal(plain);
  }

  openOptional(sealed: string | null | undefined): string | null {
    return sealed === null || sealed === undefined ? null : this.open(sealed);
  }
}
