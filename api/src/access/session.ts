import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Stateless UI sessions: the cookie holds the signed-in principal's token digest
 * and an expiry, signed with HMAC-SHA256. Nothing is stored server-side; a
 * session ends at its expiry, on sign-out (the cookie is cleared), or when the
 * principal is removed from the teams file (the digest no longer resolves).
 */
export class SessionCodec {
  private readonly key: Buffer;

  constructor(secret: string) {
    // No secret configured: a random one, so sessions end when the API restarts.
    this.key = secret ? Buffer.from(secret, 'utf8') : randomBytes(32);
  }

  encode(tokenSha256: string, expiresAtMs: number): string {
    const payload = Buffer.from(JSON.stringify({ d: tokenSha256, e: expiresAtMs })).toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  /** The token digest of a valid, unexpired session; undefined otherwise. */
  decode(cookie: string | undefined, nowMs = Date.now()): string | undefined {
    if (!cookie) return undefined;
    const dot = cookie.indexOf('.');
    if (dot <= 0) return undefined;
    const payload = cookie.slice(0, dot);
    const given = Buffer.from(cookie.slice(dot + 1), 'base64url');
    const expected = Buffer.from(this.sign(payload), 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      const { d, e } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
        d?: unknown;
        e?: unknown;
      };
      if (typeof d !== 'string' || typeof e !== 'number' || e < nowMs) return undefined;
      return d;
    } catch {
      return undefined;
    }
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}
