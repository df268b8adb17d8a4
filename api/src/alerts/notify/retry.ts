import type { Clock } from './clock.ts';

/**
 * Delivery with retries: exponential backoff (base × 2^(n-1), capped), or the
 * delay the server asked for (Slack's Retry-After on a 429). Each attempt is
 * reported to `onAttempt` (the delivery log); a permanent failure stops at once.
 */
export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export interface Failure {
  readonly retryable: boolean;
  readonly retryAfterMs?: number | null;
  readonly message: string;
}

export interface AttemptOutcome {
  readonly attempt: number;
  readonly status: 'sent' | 'retrying' | 'failed';
  readonly error: string;
  /** The delay before the next attempt, when retrying. */
  readonly delayMs: number | null;
}

export type RetryResult<T> =
  { ok: true; value: T; attempts: number } | { ok: false; error: string; attempts: number };

export function backoffDelay(policy: RetryPolicy, attempt: number, failure: Failure): number {
  if (failure.retryAfterMs !== undefined && failure.retryAfterMs !== null && failure.retryAfterMs > 0) {
    return failure.retryAfterMs;
  }
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
}

export async function withRetries<T>(o: {
  clock: Clock;
  policy: RetryPolicy;
  send: () => Promise<T>;
  classify: (err: unknown) => Failure;
  onAttempt: (outcome: AttemptOutcome) => Promise<void>;
}): Promise<RetryResult<T>> {
  for (let attempt = 1; ; attempt++) {
    try {
      const value = await o.send();
      await o.onAttempt({ attempt, status: 'sent', error: '', delayMs: null });
      return { ok: true, value, attempts: attempt };
    } catch (err) {
      const failure = o.classify(err);
      const last = !failure.retryable || attempt >= o.policy.maxAttempts;
      const delayMs = last ? null : backoffDelay(o.policy, attempt, failure);
      await o.onAttempt({ attempt, status: last ? 'failed' : 'retrying', error: failure.message, delayMs });
      if (last) return { ok: false, error: failure.message, attempts: attempt };
      await o.clock.sleep(delayMs as number);
    }
  }
}
