import { resolvedWebhookProblem } from './webhook-guard.ts';
import type { WebhookState } from './schemas.ts';

/**
 * The completion webhook: the verification POSTed as JSON to the URL given
 * at start. 2xx is delivered; anything else (an error status, a timeout, a
 * refused connection) is retried with exponential backoff, up to a number
 * of attempts in all. Every attempt is recorded in the verification
 * (webhook.attempts) so a caller can see what happened.
 */
export interface WebhookPolicy {
  attempts: number;
  retryDelayMs: number;
  timeoutMs: number;
}

export async function postWebhook(
  url: string,
  payload: unknown,
  timeoutMs: number,
): Promise<{ statusCode: number | null; error: string | null }> {
  const problem = await resolvedWebhookProblem(url);
  if (problem) return { statusCode: null, error: problem };
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'obshub-verification/0.1' },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
    });
    await res.arrayBuffer().catch(() => undefined);
    if (res.status >= 200 && res.status < 300) return { statusCode: res.status, error: null };
    return { statusCode: res.status, error: `answered ${res.status}` };
  } catch (err) {
    const e = err as { name?: string; message?: string; cause?: { code?: string } };
    const error = e.name === 'TimeoutError' ? 'timed out' : (e.cause?.code ?? e.message ?? String(err));
    return { statusCode: null, error };
  }
}

/** The webhook state after one attempt. */
export function afterAttempt(
  state: WebhookState,
  result: { statusCode: number | null; error: string | null },
  nowMs: number,
  policy: WebhookPolicy,
): WebhookState {
  const attempts = [...state.attempts, { at: new Date(nowMs).toISOString(), ...result }];
  const delivered = result.error === null;
  const done = delivered || attempts.length >= policy.attempts;
  const delay = policy.retryDelayMs * 2 ** (attempts.length - 1);
  return {
    ...state,
    attempts,
    delivered,
    done,
    nextAttemptAt: done ? null : new Date(nowMs + delay).toISOString(),
  };
}
