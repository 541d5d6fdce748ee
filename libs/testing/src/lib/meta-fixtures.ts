import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { signMetaPayload } from '@wabridge/webhook-security';

export type MetaFixture =
  | 'inbound-text.json'
  | 'inbound-text-unicode.json'
  | 'multi-change-unicode.json'
  | 'status-sent-priced.json'
  | 'status-read-priced.json'
  | 'status-failed.json'
  | 'errors-rate-limit.json'
  | 'send-template-request.json'
  | 'send-response.json';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'meta');

/** The raw bytes of a realistic Meta payload. */
export function metaFixture(name: MetaFixture): Buffer {
  return readFileSync(join(FIXTURES, name));
}

/**
 * A fixture rewritten for one test: its business number, WABA and message ids replaced, so tests
 * sharing a broker and database never see each other's events.
 */
export function metaFixtureFor(name: MetaFixture, replace: Record<string, string>): Buffer {
  let text = metaFixture(name).toString('utf8');
  for (const [from, to] of Object.entries(replace)) text = text.split(from).join(to);
  return Buffer.from(text);
}

/** Headers Meta would send with this body. */
export function metaHeaders(body: Buffer, appSecret: string): Record<string, string> {
  return { 'content-type': 'application/json', 'x-hub-signature-256': signMetaPayload(body, appSecret) };
}

/** Identifiers used in the fixtures, to be replaced per test. */
export const FIXTURE_IDS = {
  phoneNumberId: '106540352242922',
  wabaId: '102290129340398',
  displayPhoneNumber: '4930609859535',
  endUserPhone: '4915123456789',
  inboundWamid: 'wamid.HBgNNDkxNTEyMzQ1Njc4ORUCABIYFjNFQjBDMEI1RjEwQjlEN0E0NjRFMDcA',
  templateWamid: 'wamid.HBgNNDkxNTEyMzQ1Njc4ORUCABEYEjBBQzE5RjQyMDk2OEUzQjM5RAA=',
  inboundText: 'Hi, is my order shipped?',
} as const;
