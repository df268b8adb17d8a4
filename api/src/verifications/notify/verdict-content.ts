import { deployPageUrl } from '../../alerts/notify/deploy-correlation.ts';
import { formatDuration } from '../../alerts/rules/durations.ts';
import type { Verification } from '../schemas.ts';
import type { VerdictState } from './verdict-routing.ts';

/**
 * What a verdict notification says, before it is rendered for Slack or email:
 * the verdict in plain words, one line per signal (the judgement's own
 * sentences, e.g. "error rate 0.4% → 2.9% (×7.2, 95% CI ×4.8–×10.6, 41k
 * requests) — fail") with its chart, and links to the deploy page, the charts
 * and the verification. Texts are raw here; each renderer escapes them.
 */
export interface VerdictSignalLine {
  readonly status: 'pass' | 'fail' | 'inconclusive';
  readonly sentence: string;
  readonly chartUrl: string | null;
}

export interface VerdictContent {
  readonly verificationId: string;
  readonly state: VerdictState;
  readonly service: string;
  readonly environment: string;
  readonly version: string;
  /** "[FAIL] checkout 1.5.0 (production)". */
  readonly title: string;
  /** "checkout 1.5.0 in production failed post-deploy verification: 2 of 4 signals regressed." */
  readonly headline: string;
  readonly signals: readonly VerdictSignalLine[];
  /** Signals not measured, the error of a verification that could not finish. */
  readonly notes: readonly string[];
  /** "before/after, 10m window" */
  readonly method: string;
  readonly deployUrl: string | null;
  /** The service page over the compared windows, split by version. */
  readonly chartUrl: string | null;
  /** The verification as JSON (GET /api/verifications/:id). */
  readonly verificationUrl: string;
  /** A later verification of a deploy whose thread exists. */
  readonly again: boolean;
}

const absolute = (publicUrl: string, url: string): string =>
  /^https?:\/\//.test(url) ? url : `${publicUrl.replace(/\/+$/, '')}${url.startsWith('/') ? '' : '/'}${url}`;

function stateWords(state: VerdictState): string {
  switch (state) {
    case 'pass':
      return 'passed post-deploy verification';
    case 'fail':
      return 'failed post-deploy verification';
    case 'inconclusive':
      return 'could not be judged by post-deploy verification (inconclusive)';
    case 'error':
      return 'could not be verified (error)';
  }
}

/** "fail: 2 of 4 signals regressed" → "2 of 4 signals regressed". */
function reasonOf(v: Verification): string {
  if (v.state === 'error') return v.error ?? 'unknown error';
  const first = (v.verdict?.summary ?? '').split('\n')[0] ?? '';
  return first.replace(/^(pass|fail|inconclusive):\s*/, '');
}

export function subjectOf(c: VerdictContent): string {
  return `${c.title}: post-deploy verification`.replace(/[\r\n]+/g, ' ').slice(0, 250);
}

export function verdictContent(
  v: Verification,
  state: VerdictState,
  o: { deployId: string | null; publicUrl: string; again: boolean },
): VerdictContent {
  const where = v.environment ? ` in ${v.environment}` : '';
  const reason = reasonOf(v);
  const signals: VerdictSignalLine[] = (v.verdict?.signals ?? []).map((s) => ({
    status: s.status,
    sentence: s.sentence,
    chartUrl: s.chartUrl ? absolute(o.publicUrl, s.chartUrl) : null,
  }));
  const notes: string[] = [];
  if (v.verdict && v.verdict.unmeasured.length > 0) {
    notes.push(`not measured (no request metrics for this service): ${v.verdict.unmeasured.join(', ')}`);
  }
  const comparison = v.comparison === 'canary' ? 'canary against other versions' : 'before/after';
  return {
    verificationId: v.id,
    state,
    service: v.service,
    environment: v.environment,
    version: v.version,
    title: `[${state.toUpperCase()}] ${v.service} ${v.version}${v.environment ? ` (${v.environment})` : ''}`,
    headline: `${v.service} ${v.version}${where} ${stateWords(state)}${reason ? `: ${reason}` : ''}.`,
    signals,
    notes,
    method: `${comparison}, ${formatDuration(v.windowSeconds * 1000)} window`,
    deployUrl: o.deployId ? deployPageUrl(o.publicUrl, o.deployId) : null,
    chartUrl: v.chartUrl ? absolute(o.publicUrl, v.chartUrl) : null,
    verificationUrl: `${o.publicUrl.replace(/\/+$/, '')}/api/verifications/${encodeURIComponent(v.id)}`,
    again: o.again,
  };
}
