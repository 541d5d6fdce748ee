import ipaddr from 'ipaddr.js';
import { HostResolver } from './host-resolver';

export interface UrlPolicy {
  allowHttp: boolean;
  /** CIDRs that are reachable even though they are loopback/private (dev and tests) */
  allowCidrs: readonly string[];
}

export class UnsafeUrlError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'UnsafeUrlError';
  }
}

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

const parsedCidrs = new Map<string, Cidr[]>();

function cidrsOf(policy: UrlPolicy): Cidr[] {
  const key = policy.allowCidrs.join(',');
  let cidrs = parsedCidrs.get(key);
  if (!cidrs) {
    cidrs = policy.allowCidrs.map((cidr) => ipaddr.parseCIDR(cidr));
    parsedCidrs.set(key, cidrs);
  }
  return cidrs;
}

/** Turns IPv4-mapped, NAT64 and 6to4 IPv6 forms into the IPv4 address they reach. */
function effectiveAddress(address: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  if (address.kind() !== 'ipv6') return address;
  const v6 = address as ipaddr.IPv6;
  const range = v6.range();
  if (range === 'ipv4Mapped' || range === 'rfc6145') return v6.toIPv4Address();
  if (range === 'rfc6052' || range === '6to4') {
    const bytes = v6.toByteArray();
    const start = range === '6to4' ? 2 : 12;
    return new ipaddr.IPv4(bytes.slice(start, start + 4));
  }
  return v6;
}

function inCidr(candidate: ipaddr.IPv4 | ipaddr.IPv6, [network, bits]: Cidr): boolean {
  if (candidate instanceof ipaddr.IPv4 && network instanceof ipaddr.IPv4) return candidate.match(network, bits);
  if (candidate instanceof ipaddr.IPv6 && network instanceof ipaddr.IPv6) return candidate.match(network, bits);
  return false;
}

/**
 * Whether a resolved address may be dialled: public unicast only, unless an allow-listed CIDR
 * covers it. Loopback, private, link-local (cloud metadata), CGNAT, multicast, ULA, reserved and the
 * IPv6 forms that embed such an IPv4 address are refused.
 */
export function isAddressAllowed(ip: string, policy: UrlPolicy): boolean {
  if (!ipaddr.isValid(ip)) return false;
  const original = ipaddr.parse(ip);
  const address = effectiveAddress(original);
  for (const cidr of cidrsOf(policy)) {
    if (inCidr(original, cidr) || inCidr(address, cidr)) return true;
  }
  return address.range() === 'unicast';
}

/**
 * Names a partner may not set: ours (framing, content type, signatures), and the hop-by-hop ones the
 * HTTP client refuses at send time (undici throws on keep-alive, upgrade, expect, transfer-encoding
 * and most connection values) — accepted at bind time they would fail every delivery for 7 days.
 */
const FORBIDDEN_HEADER_NAMES = new Set([
  'host',
  'content-length',
  'content-type',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'expect',
  'te',
  'trailer',
  'proxy-connection',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'x-hub-signature-256',
  'x-hub-signature',
]);

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;

/** Validates partner-supplied custom headers; returns the first problem or null. */
export function checkCustomHeaders(headers: unknown): string | null {
  if (headers === undefined || headers === null) return null;
  if (typeof headers !== 'object' || Array.isArray(headers)) return 'headers must be an object of string values';
  const entries = Object.entries(headers as Record<string, unknown>);
  if (entries.length > 20) return 'at most 20 custom headers are allowed';
  for (const [name, value] of entries) {
    if (!HEADER_NAME.test(name)) return `invalid header name: ${JSON.stringify(name.slice(0, 40))}`;
    if (FORBIDDEN_HEADER_NAMES.has(name.toLowerCase())) return `header ${name} cannot be overridden`;
    if (typeof value !== 'string') return `header ${name} must be a string`;
    if (/[\r\n\0]/.test(value)) return `header ${name} contains a line break`;
    // what undici sends: tab, visible ASCII and Latin-1 (one byte per character); anything else it refuses
    if (/[^\t\x20-\x7e\x80-\xff]/.test(value)) return `header ${name} may only contain printable Latin-1 characters`;
    if (value.length > 4096) return `header ${name} is too long`;
  }
  return null;
}

/** Static checks of a webhook URL (scheme, credentials, literal addresses). Returns the parsed URL. */
export function parseWebhookUrl(raw: unknown, policy: UrlPolicy): URL {
  if (typeof raw !== 'string' || raw.length === 0) throw new UnsafeUrlError('url is required');
  if (raw.length > 2048) throw new UnsafeUrlError('url is too long');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UnsafeUrlError('url is not a valid absolute URL');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp)) {
    throw new UnsafeUrlError(policy.allowHttp ? 'url must use http or https' : 'url must use https');
  }
  if (url.username || url.password) throw new UnsafeUrlError('url must not contain credentials');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (ipaddr.isValid(host) && !isAddressAllowed(host, policy)) {
    throw new UnsafeUrlError('url points to a private, loopback or reserved address');
  }
  if (host === 'localhost' || host.endsWith('.localhost')) {
    if (!isAddressAllowed('127.0.0.1', policy)) throw new UnsafeUrlError('url points to a loopback address');
  }
  return url;
}

let shared: HostResolver | undefined;

/** The process's resolver for partner host names (timeouts, short cache, one query in flight per host). */
export function sharedHostResolver(): HostResolver {
  shared ??= new HostResolver();
  return shared;
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/**
 * Resolves a hostname once and refuses it if any of its addresses is not allowed, so a name that
 * mixes public and private records cannot be used to reach the inside. The caller connects to the
 * returned address (no second lookup, no DNS rebinding window).
 */
export async function resolveSafeAddress(hostname: string, policy: UrlPolicy, resolver: HostResolver = sharedHostResolver()): Promise<ResolvedAddress> {
  const host = hostname.replace(/^\[|\]$/g, '');
  const addresses = ipaddr.isValid(host) ? [{ address: host, family: ipaddr.parse(host).kind() === 'ipv6' ? 6 : 4 }] : await resolver.resolve(host);
  if (addresses.length === 0) throw new UnsafeUrlError('destination host did not resolve');
  for (const entry of addresses) {
    if (!isAddressAllowed(entry.address, policy)) {
      throw new UnsafeUrlError('destination resolves to a private, loopback or reserved address');
    }
  }
  const first = addresses[0];
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}
