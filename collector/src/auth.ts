import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Optional bearer-token check for ingest. Tokens are compared as SHA-256
 * digests in constant time; an empty list turns authentication off.
 */
export class TokenCheck {
  private readonly digests: Buffer[];

  constructor(tokens: readonly string[]) {
    this.digests = tokens.map((t) => createHash('sha256').update(t).digest());
  }

  get enabled(): boolean {
    return this.digests.length > 0;
  }

  /** `authorization` header value → allowed? */
  allows(header: string | undefined): boolean {
    if (!this.enabled) return true;
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (!m) return false;
    const digest = createHash('sha256')
      .update(m[1] as string)
      .digest();
    let ok = false;
    for (const d of this.digests) ok = timingSafeEqual(d, digest) || ok;
    return ok;
  }
}
