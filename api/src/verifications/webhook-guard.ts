import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/**
 * What a completion webhook URL may not be (docs/verification.md#completion-webhook).
 * The hub POSTs from inside its own network on behalf of whoever holds a deploy
 * token, so the URL must not reach the cloud metadata service (link-local
 * addresses and the metadata host names) nor carry a `query` parameter: the
 * ClickHouse HTTP interface runs `?query=` on a POST, so a webhook pointed at
 * the hub's own database would be a way to run SQL. Checked when a
 * verification starts (the host as written) and again before each delivery
 * (every address the host resolves to).
 */

const METADATA_HOSTS = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
]);

/** Link-local (169.254.0.0/16, fe80::/10), AWS' IPv6 metadata address and Alibaba's metadata address. */
export function isMetadataAddress(address: string): boolean {
  const a = address.toLowerCase().replace(/^\[|\]$/g, '');
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(a);
  const mapped = hex
    ? [hex[1], hex[2]].flatMap((h) => [parseInt(h ?? '0', 16) >> 8, parseInt(h ?? '0', 16) & 255]).join('.')
    : /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a)?.[1];
  const v4 = mapped ?? a;
  if (isIP(v4) === 4) return v4.startsWith('169.254.') || v4 === '100.100.100.200';
  if (isIP(a) === 6) return /^fe[89ab][0-9a-f]:/.test(a) || a === 'fd00:ec2::254';
  return false;
}

/** Why a webhook URL is refused (as written, without resolving it), or null. */
export function webhookUrlProblem(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'webhookUrl is not a URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'webhookUrl must be an http(s) URL';
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  if (METADATA_HOSTS.has(host) || isMetadataAddress(host)) {
    return `webhookUrl must not point at a link-local or cloud metadata address (${host})`;
  }
  if ([...url.searchParams.keys()].some((k) => k.toLowerCase() === 'query')) {
    return 'webhookUrl must not have a "query" parameter (a database HTTP interface would run it)';
  }
  return null;
}

/** webhookUrlProblem, then every address the host resolves to (before each delivery). */
export async function resolvedWebhookProblem(raw: string): Promise<string | null> {
  const problem = webhookUrlProblem(raw);
  if (problem) return problem;
  const host = new URL(raw).hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return null;
  let addresses: Array<{ address: string }>;
  try {
    addresses = await lookup(host, { all: true });
  } catch {
    return null; // fetch reports the lookup failure itself (and the attempt is retried)
  }
  const bad = addresses.find((a) => isMetadataAddress(a.address));
  return bad ? `webhookUrl host ${host} resolves to a link-local or metadata address (${bad.address})` : null;
}
