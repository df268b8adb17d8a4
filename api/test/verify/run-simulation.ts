/**
 * Runs the simulated deploys of every case through verify() and counts the
 * verdicts, overall and per signal. Shared by the test and `npm run sim:verify`.
 */
import { verify, type SignalName, type Status } from '../../src/verify/index.ts';
import { SIM_CASES, simulateDeploy, type SimCase } from './simulate.ts';

export interface CaseOutcome {
  kind: SimCase;
  deploys: number;
  overall: Record<Status, number>;
  /** Fails per signal. */
  signalFails: Record<SignalName, number>;
  /** One example verdict summary (the first deploy's). */
  example: string;
}

export const SIM_SEED = 20_261_122;

export function runCase(kind: SimCase, deploys: number, seed = SIM_SEED): CaseOutcome {
  const overall: Record<Status, number> = { pass: 0, fail: 0, inconclusive: 0 };
  const signalFails: Record<SignalName, number> = {
    error_rate: 0,
    latency: 0,
    request_rate: 0,
    new_log_patterns: 0,
  };
  let example = '';
  const caseIndex = SIM_CASES.indexOf(kind);
  for (let i = 0; i < deploys; i++) {
    const verdict = verify(simulateDeploy(kind, seed + caseIndex * 100_000 + i));
    overall[verdict.status]++;
    for (const s of verdict.signals) if (s.status === 'fail') signalFails[s.signal]++;
    if (i === 0) example = verdict.summary;
  }
  return { kind, deploys, overall, signalFails, example };
}

export function runAll(deploys: number, seed = SIM_SEED): CaseOutcome[] {
  return SIM_CASES.map((kind) => runCase(kind, deploys, seed));
}
