import { HINT } from './hints.ts';
import { DIGIT_RUN, REDACTED_CARD, redactCardRun } from './payment-card.ts';

/**
 * The built-in redaction rules. Each pattern is linear in its input: quantified
 * groups begin with a delimiter their inner quantifier cannot consume (so every
 * character is matched one way only), runs that could restart at every position
 * are bounded ({1,64}) or start behind a lookbehind, and decisions that a regular
 * expression would make by backtracking (a Luhn checksum, a base64 payload) are
 * made in code on the match. collector/test/redact.test.ts runs each one on
 * 100 KB adversarial strings.
 */

export const REDACTED = '[REDACTED]';
export const REDACTED_EMAIL = '[REDACTED_EMAIL]';
export { REDACTED_CARD };

export interface BuiltinRule {
  readonly name: string;
  /** One line for docs and error messages. */
  readonly description: string;
  /** Global pattern; String.replace resets lastIndex, so sharing one instance is safe. */
  readonly pattern: RegExp;
  /** The marker that takes the secret's place. */
  readonly replacement: string;
  /** Shortest text the rule can change: shorter values skip it. */
  readonly minLength: number;
  /** The scanHints() bit without which the pattern cannot match (see hints.ts). */
  readonly hint: number;
  /** Returns text with this rule's matches replaced (the same text when nothing matched). */
  apply(text: string): string;
}

// ---------------------------------------------------------------------------
// bearer-token: "Authorization: Bearer <token>", "bearer <token>", "Basic <base64 user:pass>".

const AUTH_SCHEME = /\b(bearer|basic)(\s+)([A-Za-z0-9\-._~+/]+=*)/gi;
/** What may follow base64 padding: the end, a space, a quote or a closing delimiter. */
const AFTER_PADDING = /^(?:$|[\s"',;)\]}>])/;
/** Shorter "tokens" after the word bearer are prose ("the bearer of"), not credentials. */
const MIN_BEARER_TOKEN = 8;

/** Basic credentials are base64 of "user:password": anything else after "basic" is prose. */
function isBasicCredentials(token: string): boolean {
  if (token.length < 4 || token.length % 4 === 1) return false;
  const decoded = Buffer.from(token, 'base64').toString('latin1');
  if (!decoded.includes(':')) return false;
  for (let i = 0; i < decoded.length; i++) {
    const c = decoded.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return false;
  }
  return true;
}

/**
 * Like text.replace(re, fn), except that a declined match (fn returns undefined) does not
 * consume its text: the scan resumes at resume(m), so in "Bearer Bearer eyJ…" the second
 * "Bearer", first read as a token and declined, is read again as a scheme word.
 */
function replaceDeclinable(
  text: string,
  re: RegExp,
  fn: (m: RegExpExecArray) => string | undefined,
  resume: (m: RegExpExecArray) => number,
): string {
  re.lastIndex = 0;
  let out = '';
  let last = 0;
  let changed = false;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const replacement = fn(m);
    if (replacement === undefined) {
      re.lastIndex = resume(m);
      continue;
    }
    out += text.slice(last, m.index) + replacement;
    last = m.index + m[0].length;
    changed = true;
  }
  return changed ? out + text.slice(last) : text;
}

const bearerToken: BuiltinRule = {
  name: 'bearer-token',
  description: 'Bearer tokens and Basic credentials after the scheme word (Authorization headers)',
  pattern: AUTH_SCHEME,
  replacement: REDACTED,
  minLength: 'basic YTpi'.length,
  hint: HINT.WORD,
  apply: (text) =>
    replaceDeclinable(
      text,
      AUTH_SCHEME,
      (m) => {
        const scheme = m[1] as string;
        const token = m[3] as string;
        // "token_type=bearer max_tokens=5": an "=" followed by more text makes the
        // word a key, not a token ending in base64 padding.
        if (token.endsWith('=') && !AFTER_PADDING.test(text.charAt(m.index + m[0].length))) return undefined;
        const secret = scheme.length === 6 ? token.length >= MIN_BEARER_TOKEN : isBasicCredentials(token);
        return secret ? `${scheme}${m[2] as string}${REDACTED}` : undefined;
      },
      (m) => m.index + (m[1] as string).length + (m[2] as string).length,
    ),
};

// ---------------------------------------------------------------------------
// url-password: scheme://user:password@host → scheme://user:[REDACTED]@host.
// The scheme is bounded (32) so that a long run of letters is not rescanned from every
// position; user and password stop at the URL delimiters. The password runs to the last
// "@" before the host, so an unencoded "@" inside it is still covered.

const URL_PASSWORD = /\b([A-Za-z][A-Za-z0-9+.-]{0,31}:\/\/)([^\s:@/?#]*):([^\s/?#]*)@/g;

const urlPassword: BuiltinRule = {
  name: 'url-password',
  description: 'The password in scheme://user:password@host',
  pattern: URL_PASSWORD,
  replacement: REDACTED,
  minLength: 'a://:@'.length,
  hint: HINT.AT,
  apply: (text) => (text.includes('://') ? text.replace(URL_PASSWORD, `$1$2:${REDACTED}@`) : text),
};

// ---------------------------------------------------------------------------
// password-field: key=value and "key": "value" where the key ends with password,
// passwd, secret, token, api_key, api-key or apikey (db_password=, "clientSecret":,
// access_token=, X-Api-Key=). Only the value is replaced; the key stays.

const KEYWORDS = 'password|passwd|secret|token|api[_-]?key';
const PASSWORD_FIELD = new RegExp(
  `(${KEYWORDS})(?:` +
    // JSON: "…key": "value" (escapes inside the value honoured).
    `("[ \\t]*:[ \\t]*")(?:[^"\\\\]|\\\\.)*"` +
    // JSON inside a JSON string: \"…key\": \"value\".
    `|(\\\\"[ \\t]*:[ \\t]*\\\\")(?:[^"\\\\]|\\\\[^"])*\\\\"` +
    // key=value, key="value", key='value' (query strings, logfmt, connection strings).
    `|([ \\t]*=[ \\t]*)(?:(")[^"]*"|(')[^']*'|[^\\s&;"']+)` +
    ')',
  'gi',
);

/**
 * Attribute keys whose whole value is a credential (used by Redactor.redactAttributes
 * when password-field is on): the keywords, plus the HTTP header attributes
 * http.request.header.authorization / .cookie / .set-cookie.
 */
export const SENSITIVE_KEY = new RegExp(`(?:${KEYWORDS}|authorization|cookie)$`, 'i');

const passwordField: BuiltinRule = {
  name: 'password-field',
  description: 'Values of password, passwd, secret, token, api_key, apikey in key=value and JSON',
  pattern: PASSWORD_FIELD,
  replacement: REDACTED,
  minLength: 'token=x'.length,
  hint: HINT.WORD,
  apply: (text) =>
    text.replace(
      PASSWORD_FIELD,
      (
        _m,
        key: string,
        json: string | undefined,
        escaped: string | undefined,
        kv: string | undefined,
        doubleQuote: string | undefined,
        singleQuote: string | undefined,
      ) => {
        const quote = doubleQuote ?? singleQuote;
        if (json !== undefined) return `${key}${json}${REDACTED}"`;
        if (escaped !== undefined) return `${key}${escaped}${REDACTED}\\"`;
        return `${key}${kv ?? '='}${quote ?? ''}${REDACTED}${quote ?? ''}`;
      },
    ),
};

// ---------------------------------------------------------------------------
// email. The local part starts where a run of local-part characters starts (lookbehind)
// and is bounded to 64 (RFC 5321), so no position is scanned twice; not directly after
// "//", so scheme://user@host is a URL, not an address.

const EMAIL = /(?<![A-Za-z0-9._%+-]|\/\/)[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}/g;

const email: BuiltinRule = {
  name: 'email',
  description: 'Email addresses (local@domain.tld)',
  pattern: EMAIL,
  replacement: REDACTED_EMAIL,
  minLength: 'a@b.cd'.length,
  hint: HINT.AT,
  apply: (text) => text.replace(EMAIL, REDACTED_EMAIL),
};

// ---------------------------------------------------------------------------
// payment-card: see payment-card.ts.

const paymentCard: BuiltinRule = {
  name: 'payment-card',
  description: 'Payment card numbers (13-19 digits, first digit 2-6, Luhn checksum valid)',
  pattern: DIGIT_RUN,
  replacement: REDACTED_CARD,
  minLength: 13,
  hint: HINT.DIGITS,
  apply: (text) => text.replace(DIGIT_RUN, redactCardRun),
};

// ---------------------------------------------------------------------------

/**
 * Every built-in, in the order they apply: credentials with a keyword first (so that
 * "password=a@b.com" becomes password=[REDACTED], not an email), then emails, then cards.
 */
export const BUILTIN_RULES: readonly BuiltinRule[] = [
  bearerToken,
  urlPassword,
  passwordField,
  email,
  paymentCard,
];

export const BUILTIN_NAMES: readonly string[] = BUILTIN_RULES.map((r) => r.name);
