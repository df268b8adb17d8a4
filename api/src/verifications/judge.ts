import { resolveVerifyConfig } from '../verify/config.ts';
import { judgeLogPatterns } from '../verify/log-patterns.ts';
import { combineStatuses, verify } from '../verify/verdict.ts';
import type { Comparison, SignalName, SignalResult, WindowData } from '../verify/types.ts';
import { judgeErrorLogRate } from './log-rate.ts';
import type { BaselineName, ThresholdOverrides, VerdictResult, VerifiedSignal } from './schemas.ts';
import type { WindowRead } from './window-data.ts';

/**
 * From windows to a verdict. Each baseline is judged against the candidate
 * with the judgement core (api/src/verify); the first baseline is the primary
 * one. A second baseline (before-after: the same window a day earlier) acts
 * as a veto against daily cycles: a signal that fails against the window just
 * before the deploy, but passes against the same window a day earlier (with
 * enough data to say so), becomes inconclusive: the change may be the time of
 * day, not the deploy. "Fail only if worse than both, where both can tell."
 * A day-before window without any data (new service, retention) is ignored.
 */
export interface JudgedBaseline {
  name: BaselineName;
  fromMs: number;
  toMs: number;
  read: WindowRead;
}

export interface JudgeInput {
  candidate: WindowRead;
  /** Primary first. */
  baselines: readonly JudgedBaseline[];
  signals: readonly SignalName[];
  thresholds: ThresholdOverrides;
  chartUrl: (baseline: JudgedBaseline) => string;
}

const COMPARISON_OF: Record<BaselineName, Comparison> = {
  before: 'before-after',
  'day-before': 'day-before',
  'other-versions': 'canary',
};

const LOGS_UNMEASURED: readonly SignalName[] = ['latency', 'request_rate'];

function hasData(w: WindowData): boolean {
  return w.traffic.some((s) => s.requests > 0) || w.logs.length > 0;
}

function judgeOne(input: JudgeInput, baseline: JudgedBaseline, logsOnly: boolean): SignalResult[] {
  const config = resolveVerifyConfig(input.thresholds);
  const c = input.candidate.data;
  const b = baseline.read.data;
  if (logsOnly) {
    return [judgeErrorLogRate(b, c, config.errorRate), judgeLogPatterns(b, c, config.logPatterns)];
  }
  return verify({ comparison: COMPARISON_OF[baseline.name], baseline: b, candidate: c }, input.thresholds)
    .signals;
}

function vetoed(primary: SignalResult): SignalResult {
  const head = primary.sentence.replace(/ — fail$/, '');
  return {
    ...primary,
    status: 'inconclusive',
    sentence: `${head} — inconclusive: worse than just before the deploy, but not than the same window a day earlier (a daily cycle?)`,
  };
}

export function judge(input: JudgeInput): Omit<VerdictResult, 'decidedAt'> {
  const [primary, ...others] = input.baselines;
  if (!primary) throw new Error('judge needs a baseline');
  const logsOnly =
    input.candidate.source === 'logs' && input.baselines.every((b) => b.read.source === 'logs');
  const source = logsOnly
    ? 'logs'
    : input.candidate.source !== 'logs'
      ? input.candidate.source
      : (input.baselines.find((b) => b.read.source !== 'logs')?.read.source ?? 'logs');
  const primaryResults = judgeOne(input, primary, logsOnly);
  const alternate = others.find((b) => hasData(b.read.data));
  const alternateResults = alternate ? judgeOne(input, alternate, logsOnly) : [];

  const wanted = new Set(input.signals);
  const signals: VerifiedSignal[] = primaryResults
    .filter((s) => wanted.has(s.signal))
    .map((s) => {
      const alt = alternateResults.find((a) => a.signal === s.signal);
      const judged = alt && s.status === 'fail' && alt.status === 'pass' ? vetoed(s) : s;
      return {
        ...judged,
        chartUrl: input.chartUrl(primary),
        baselineName: primary.name,
        alternate:
          alt && alternate
            ? {
                baseline: alternate.name,
                status: alt.status,
                baselineValue: alt.baseline.value,
                ratio: alt.effect?.ratio ?? null,
                sentence: alt.sentence,
              }
            : null,
      };
    });
  // Nothing measurable (only latency or request rate asked of a service without request metrics): no pass.
  const status = signals.length === 0 ? 'inconclusive' : combineStatuses(signals);
  const failing = signals.filter((s) => s.status === 'fail').length;
  const unmeasured = logsOnly ? input.signals.filter((s) => LOGS_UNMEASURED.includes(s)) : [];
  const headline =
    status === 'fail'
      ? `fail: ${failing} of ${signals.length} signals regressed`
      : status === 'inconclusive'
        ? 'inconclusive: not enough data for a trustworthy answer yet'
        : `pass: no regression in ${signals.length} signals`;
  const notes = unmeasured.length
    ? [`- not measured (no request metrics for this service): ${unmeasured.join(', ')}`]
    : [];
  return {
    status,
    source,
    signals,
    unmeasured,
    summary: [headline, ...signals.map((s) => `- ${s.sentence}`), ...notes].join('\n'),
  };
}
