import { chartUrl } from './chart-link.ts';
import type { Verification, VerificationState } from './schemas.ts';
import type { VerificationRecord } from './store.ts';

/** The API's view of a stored verification, with Argo Rollouts' field and the chart link. */
const ARGO_PHASE: Record<VerificationState, Verification['argo']['phase']> = {
  running: 'Running',
  pass: 'Successful',
  fail: 'Failed',
  inconclusive: 'Inconclusive',
  error: 'Error',
};

const iso = (ms: number): string => new Date(ms).toISOString();

export function toVerification(r: VerificationRecord, publicUrl: string): Verification {
  const s = r.spec;
  const from = Math.min(
    s.candidate.fromMs,
    ...s.baselines.filter((b) => b.name !== 'day-before').map((b) => b.fromMs),
  );
  return {
    id: s.id,
    service: s.service,
    environment: s.environment,
    version: s.version,
    deployId: s.deployId,
    profile: s.profile,
    comparison: s.comparison,
    signals: s.signals,
    windowSeconds: Math.round(s.windowMs / 1000),
    state: r.state,
    createdAt: iso(s.createdAtMs),
    candidate: { from: iso(s.candidate.fromMs), to: iso(s.candidate.toMs), version: s.version },
    baselines: s.baselines.map((b) => ({ name: b.name, from: iso(b.fromMs), to: iso(b.toMs) })),
    progress: r.progress,
    verdict: r.verdict,
    error: r.error,
    webhook: r.webhook,
    argo: { phase: ARGO_PHASE[r.state], done: r.state !== 'running' },
    chartUrl: chartUrl(publicUrl, s.service, s.environment, from, s.candidate.toMs),
  };
}
