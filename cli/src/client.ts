import { setTimeout as sleep } from 'node:timers/promises';

/**
 * HTTP calls to the hub's API, with retries where a retry can help: connection
 * errors, timeouts, 5xx and 429 (after Retry-After when the hub sends one,
 * capped). A 4xx other than 429 is the hub's answer to this request and is not
 * retried.
 */
export interface HubClientOptions {
  /** Base URL of the hub's API, e.g. https://hub.example.com */
  url: string;
  /** Bearer token; absent for a hub without access control. */
  token?: string | undefined;
  /** Retries after the first attempt. */
  retries: number;
  /** First backoff; doubles with each retry. */
  retryDelayMs: number;
  /** Per attempt. */
  timeoutMs: number;
  userAgent: string;
}

/** The hub answered 4xx: code and message from its error body. */
export class HubRejected extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** No usable answer after every attempt: unreachable, timed out, or 5xx / 429. */
export class HubUnavailable extends Error {}

const MAX_RETRY_AFTER_MS = 30_000;

interface ErrorBody {
  code?: unknown;
  error?: unknown;
  message?: unknown;
}

function describeFailure(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return 'timed out';
  const cause = e.cause?.code ?? e.cause?.message;
  return cause ? `${e.message ?? 'failed'} (${cause})` : (e.message ?? String(err));
}

export class HubClient {
  private readonly base: URL;

  constructor(private readonly options: HubClientOptions) {
    // A base with a path prefix (https://example.com/hub) keeps it: relative paths resolve under it.
    this.base = new URL(options.url.endsWith('/') ? options.url : `${options.url}/`);
  }

  async post<T>(path: string, body: unknown): Promise<{ status: number; body: T }> {
    return this.request<T>('POST', path, body);
  }

  async get<T>(path: string): Promise<{ status: number; body: T }> {
    return this.request<T>('GET', path);
  }

  private async request<T>(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> {
    const url = new URL(path.replace(/^\//, ''), this.base);
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': this.options.userAgent,
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.options.token) headers['authorization'] = `Bearer ${this.options.token}`;
    let lastProblem = '';
    for (let attempt = 0; attempt <= this.options.retries; attempt++) {
      let waitMs = this.options.retryDelayMs * 2 ** attempt;
      try {
        const res = await fetch(url, {
          method,
          headers,
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          signal: AbortSignal.timeout(this.options.timeoutMs),
        });
        const text = await res.text();
        if (res.ok) return { status: res.status, body: parseSuccess<T>(text, url) };
        const parsed = parseError(text);
        const message = parsed.message || `${res.status} ${res.statusText}`;
        if (res.status < 500 && res.status !== 429) throw new HubRejected(res.status, parsed.code, message);
        lastProblem = `${url.origin} answered ${res.status}: ${message}`;
        const retryAfter = Number(res.headers.get('retry-after'));
        if (Number.isFinite(retryAfter) && retryAfter > 0)
          waitMs = Math.min(retryAfter * 1000, MAX_RETRY_AFTER_MS);
      } catch (err) {
        if (err instanceof HubRejected || err instanceof HubUnavailable) throw err;
        lastProblem = `${url.origin} unreachable: ${describeFailure(err)}`;
      }
      if (attempt < this.options.retries) await sleep(waitMs);
    }
    const attempts = this.options.retries + 1;
    throw new HubUnavailable(`${lastProblem} (${attempts} attempt${attempts === 1 ? '' : 's'})`);
  }
}

function parseSuccess<T>(text: string, url: URL): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new HubUnavailable(`${url.href} answered, but not with JSON: is the URL the hub's API?`);
  }
}

function parseError(text: string): { code: string; message: string } {
  try {
    const body = JSON.parse(text) as ErrorBody;
    const code = typeof body.code === 'string' ? body.code : '';
    // The hub's errors carry code + error; fastify's own (unknown route) carry message.
    const message = code && typeof body.error === 'string' ? body.error : (body.message ?? body.error);
    return { code, message: typeof message === 'string' ? message : text.slice(0, 500) };
  } catch {
    return { code: '', message: text.slice(0, 500).trim() };
  }
}
