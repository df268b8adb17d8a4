/**
 * Inputs, configuration and results of post-deploy verification, as TypeBox
 * schemas: the API (a later step) fills the inputs from ClickHouse and returns
 * the results as JSON, so both cross a boundary. The judgement functions in
 * this folder are pure: plain inputs in, a deterministic verdict out.
 */
import { Type, type Static } from '@sinclair/typebox';

/** Requests and 5xx responses in one step (from http.server.request.duration counts). */
export const TrafficStep = Type.Object({
  /** Step start, Unix seconds. */
  start: Type.Number(),
  requests: Type.Integer({ minimum: 0 }),
  errors: Type.Integer({ minimum: 0 }),
});
export type TrafficStep = Static<typeof TrafficStep>;

/** One step's latency histogram: counts[i] in (bounds[i-1], bounds[i]], the last count is +Inf. */
export const LatencyStep = Type.Object({
  start: Type.Number(),
  counts: Type.Array(Type.Number({ minimum: 0 })),
});
export type LatencyStep = Static<typeof LatencyStep>;

/** An error log body (as stored) and how often it occurred in the window. */
export const LogBody = Type.Object({
  body: Type.String(),
  count: Type.Integer({ minimum: 1 }),
});
export type LogBody = Static<typeof LogBody>;

/** Everything known about one window (the baseline or the candidate). */
export const WindowData = Type.Object({
  /** Length of the window in seconds (steps without traffic may be missing from `traffic`). */
  durationSeconds: Type.Number({ exclusiveMinimum: 0 }),
  stepSeconds: Type.Number({ exclusiveMinimum: 0 }),
  /** Instances serving the window (canary: compare rates per instance). Default 1. */
  instances: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  traffic: Type.Array(TrafficStep),
  latency: Type.Object({
    /** Explicit bucket bounds in seconds (the OTel default for http.server.request.duration). */
    bounds: Type.Array(Type.Number()),
    steps: Type.Array(LatencyStep),
  }),
  logs: Type.Array(LogBody),
});
export type WindowData = Static<typeof WindowData>;

export const Comparison = Type.Union([
  Type.Literal('before-after'),
  Type.Literal('day-before'),
  Type.Literal('canary'),
]);
export type Comparison = Static<typeof Comparison>;

export const VerifyInput = Type.Object({
  comparison: Comparison,
  baseline: WindowData,
  candidate: WindowData,
});
export type VerifyInput = Static<typeof VerifyInput>;

/** Thresholds; every field has a default (DEFAULT_VERIFY_CONFIG). */
export const VerifyConfig = Type.Object({
  errorRate: Type.Object({
    required: Type.Boolean(),
    /** One-sided significance level (0.01 = 98% two-sided, as Kayenta). */
    alpha: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 }),
    /** Fail only when candidate/baseline ≥ this ratio… */
    minRatio: Type.Number({ minimum: 1 }),
    /** …and the rate rose by at least this much (0.001 = 0.1 percentage points). */
    minAbsoluteIncrease: Type.Number({ minimum: 0 }),
    /** The regression the check promises to catch: enough traffic means this ratio is detected with `power`. */
    detectRatio: Type.Number({ exclusiveMinimum: 1 }),
    /** Power of the minimum-sample calculation. */
    power: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 }),
  }),
  latency: Type.Object({
    required: Type.Boolean(),
    quantile: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 }),
    alpha: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 }),
    minRatio: Type.Number({ minimum: 1 }),
    /** Consecutive steps are pooled until a group has this many requests. */
    minRequestsPerGroup: Type.Integer({ minimum: 1 }),
    /** Groups needed on each side for the rank test. */
    minGroups: Type.Integer({ minimum: 3 }),
  }),
  requestRate: Type.Object({
    required: Type.Boolean(),
    alpha: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 }),
    /** Fail when candidate/baseline rate ≤ this ratio (0.7 = a 30% drop). */
    maxRatio: Type.Number({ exclusiveMinimum: 0, maximum: 1 }),
    power: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 }),
  }),
  logPatterns: Type.Object({
    required: Type.Boolean(),
    /** A new pattern counts only with at least this many occurrences. */
    minOccurrences: Type.Integer({ minimum: 1 }),
    /** Fail when at least this many new patterns count. */
    failAt: Type.Integer({ minimum: 1 }),
  }),
});
export type VerifyConfig = Static<typeof VerifyConfig>;

export const Status = Type.Union([Type.Literal('pass'), Type.Literal('fail'), Type.Literal('inconclusive')]);
export type Status = Static<typeof Status>;

export const SignalName = Type.Union([
  Type.Literal('error_rate'),
  Type.Literal('latency'),
  Type.Literal('request_rate'),
  Type.Literal('new_log_patterns'),
]);
export type SignalName = Static<typeof SignalName>;

const Side = Type.Object({
  /** The signal's value in the window (error ratio, seconds, requests/s, patterns); null when unknown. */
  value: Type.Union([Type.Number(), Type.Null()]),
  /** Requests (or log lines) behind the value. */
  requests: Type.Number(),
  /** Groups (latency) or steps behind the value, where the test uses them. */
  groups: Type.Optional(Type.Number()),
});

export const Effect = Type.Object({
  /** Candidate / baseline; null when the baseline is zero. */
  ratio: Type.Union([Type.Number(), Type.Null()]),
  ciLow: Type.Union([Type.Number(), Type.Null()]),
  ciHigh: Type.Union([Type.Number(), Type.Null()]),
  /** Confidence level of the interval, e.g. 0.95. */
  confidence: Type.Number(),
  /** Candidate − baseline, in the signal's unit. */
  difference: Type.Union([Type.Number(), Type.Null()]),
});
export type Effect = Static<typeof Effect>;

/** What an inconclusive signal still needs, at the candidate's current rate. */
export const Needed = Type.Object({
  candidateRequests: Type.Integer(),
  candidateMinutes: Type.Union([Type.Number(), Type.Null()]),
  /** More baseline requests too (the baseline window is too thin on its own). */
  baselineRequests: Type.Integer(),
});
export type Needed = Static<typeof Needed>;

export const NewPattern = Type.Object({
  pattern: Type.String(),
  count: Type.Integer(),
  example: Type.String(),
  /** Counts toward failing (count ≥ minOccurrences). */
  counted: Type.Boolean(),
});
export type NewPattern = Static<typeof NewPattern>;

export const SignalResult = Type.Object({
  signal: SignalName,
  status: Status,
  required: Type.Boolean(),
  /** The test used, in words. */
  test: Type.String(),
  baseline: Side,
  candidate: Side,
  effect: Type.Union([Effect, Type.Null()]),
  pValue: Type.Union([Type.Number(), Type.Null()]),
  needed: Type.Union([Needed, Type.Null()]),
  patterns: Type.Optional(Type.Array(NewPattern)),
  /** The plain-words sentence, e.g. "error rate 0.4% → 2.9% (×7.2, 95% CI ×4.8–×10.6, 41k requests) — fail". */
  sentence: Type.String(),
});
export type SignalResult = Static<typeof SignalResult>;

export const Verdict = Type.Object({
  status: Status,
  comparison: Comparison,
  signals: Type.Array(SignalResult),
  /** One line per signal, the overall result first. */
  summary: Type.String(),
});
export type Verdict = Static<typeof Verdict>;
