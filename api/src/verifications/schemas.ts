import { Type, type Static } from '@sinclair/typebox';
import { DURATION_PATTERN } from '../alerts/rules/durations.ts';
import { SignalName, SignalResult, Status } from '../verify/types.ts';

/**
 * Request and response schemas of the verifications API (docs/verification.md).
 * The judgement's own types (SignalResult, thresholds) come from api/src/verify.
 */

const Duration = Type.String({
  maxLength: 32,
  pattern: DURATION_PATTERN,
  description: 'A duration like 10m, 1h30m or 90s.',
});

const Time = Type.String({
  maxLength: 64,
  description: 'ISO 8601, epoch milliseconds, or relative (now, now-5m).',
});

export const ComparisonInput = Type.Union([Type.Literal('before-after'), Type.Literal('canary')]);
export type ComparisonInput = Static<typeof ComparisonInput>;

/** Threshold overrides: any field of DEFAULT_VERIFY_CONFIG (api/src/verify/config.ts), section by section. */
const Probability = Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 });
export const ThresholdOverrides = Type.Object(
  {
    errorRate: Type.Optional(
      Type.Object(
        {
          alpha: Type.Optional(Probability),
          minRatio: Type.Optional(Type.Number({ minimum: 1, maximum: 1000 })),
          minAbsoluteIncrease: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
          detectRatio: Type.Optional(Type.Number({ exclusiveMinimum: 1, maximum: 1000 })),
          power: Type.Optional(Probability),
        },
        { additionalProperties: false },
      ),
    ),
    latency: Type.Optional(
      Type.Object(
        {
          quantile: Type.Optional(Probability),
          alpha: Type.Optional(Probability),
          minRatio: Type.Optional(Type.Number({ minimum: 1, maximum: 1000 })),
          minRequestsPerGroup: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
          minGroups: Type.Optional(Type.Integer({ minimum: 3, maximum: 1000 })),
        },
        { additionalProperties: false },
      ),
    ),
    requestRate: Type.Optional(
      Type.Object(
        {
          alpha: Type.Optional(Probability),
          maxRatio: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
          power: Type.Optional(Probability),
        },
        { additionalProperties: false },
      ),
    ),
    logPatterns: Type.Optional(
      Type.Object(
        {
          minOccurrences: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
          failAt: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type ThresholdOverrides = Static<typeof ThresholdOverrides>;

export const Signals = Type.Array(SignalName, { minItems: 1, maxItems: 4, uniqueItems: true });

export const StartVerificationInput = Type.Object(
  {
    /** Client-supplied idempotency key: the same id again answers the existing verification. */
    id: Type.Optional(Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:/@+-]+$' })),
    service: Type.String({ minLength: 1, maxLength: 256 }),
    environment: Type.String({ maxLength: 256, default: '' }),
    version: Type.String({ minLength: 1, maxLength: 256 }),
    /** A reported deploy: the candidate window starts when it finished (or started, while running). */
    deployId: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    /** Named profile from the profiles file; fields given here override it. */
    profile: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    comparison: Type.Optional(ComparisonInput),
    window: Type.Optional(Duration),
    signals: Type.Optional(Signals),
    thresholds: Type.Optional(ThresholdOverrides),
    /** Where the candidate window starts; default: the deploy's finish (or start) time, else now. */
    startAt: Type.Optional(Time),
    /** POSTed the verification as JSON when it completes (retried with backoff). */
    webhookUrl: Type.Optional(Type.String({ maxLength: 2048, pattern: '^https?://[^\\s]+$' })),
  },
  { additionalProperties: false },
);
export type StartVerificationInput = Static<typeof StartVerificationInput>;

export const VerificationState = Type.Union([
  Type.Literal('running'),
  Type.Literal('pass'),
  Type.Literal('fail'),
  Type.Literal('inconclusive'),
  Type.Literal('error'),
]);
export type VerificationState = Static<typeof VerificationState>;

const Span = Type.Object({ from: Type.String(), to: Type.String() });

export const BaselineName = Type.Union([
  Type.Literal('before'),
  Type.Literal('day-before'),
  Type.Literal('other-versions'),
]);
export type BaselineName = Static<typeof BaselineName>;

export const Progress = Type.Object({
  elapsedSeconds: Type.Number(),
  windowSeconds: Type.Number(),
  /** 0…1 of the candidate window elapsed. */
  fraction: Type.Number(),
  candidateRequests: Type.Number(),
  baselineRequests: Type.Number(),
  candidateErrorLogs: Type.Number(),
  updatedAt: Type.Union([Type.String(), Type.Null()]),
});
export type Progress = Static<typeof Progress>;

/** The second baseline's view of a signal (before-after: the same window a day earlier). */
export const AlternateView = Type.Object({
  baseline: BaselineName,
  status: Status,
  baselineValue: Type.Union([Type.Number(), Type.Null()]),
  ratio: Type.Union([Type.Number(), Type.Null()]),
  sentence: Type.String(),
});

export const VerifiedSignal = Type.Intersect([
  SignalResult,
  Type.Object({
    /** The web UI's service page at the compared time range. */
    chartUrl: Type.String(),
    /** Which baseline the values above compare with. */
    baselineName: BaselineName,
    alternate: Type.Union([AlternateView, Type.Null()]),
  }),
]);
export type VerifiedSignal = Static<typeof VerifiedSignal>;

export const VerdictResult = Type.Object({
  status: Status,
  /** The headline and one line per signal. */
  summary: Type.String(),
  /** Where request figures came from: http / rpc server duration histograms, or error logs only. */
  source: Type.Union([Type.Literal('http'), Type.Literal('rpc'), Type.Literal('logs')]),
  signals: Type.Array(VerifiedSignal),
  /** Signals asked for that the telemetry cannot answer (no request metrics: latency, request rate). */
  unmeasured: Type.Array(SignalName),
  decidedAt: Type.String(),
});
export type VerdictResult = Static<typeof VerdictResult>;

export const WebhookAttempt = Type.Object({
  at: Type.String(),
  statusCode: Type.Union([Type.Integer(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
});
export type WebhookAttempt = Static<typeof WebhookAttempt>;

export const WebhookState = Type.Object({
  url: Type.String(),
  delivered: Type.Boolean(),
  /** No more attempts will be made (delivered, or every attempt failed). */
  done: Type.Boolean(),
  attempts: Type.Array(WebhookAttempt),
  nextAttemptAt: Type.Union([Type.String(), Type.Null()]),
});
export type WebhookState = Static<typeof WebhookState>;

export const ArgoPhase = Type.Union([
  Type.Literal('Running'),
  Type.Literal('Successful'),
  Type.Literal('Failed'),
  Type.Literal('Inconclusive'),
  Type.Literal('Error'),
]);

export const Verification = Type.Object({
  id: Type.String(),
  service: Type.String(),
  environment: Type.String(),
  version: Type.String(),
  deployId: Type.Union([Type.String(), Type.Null()]),
  profile: Type.Union([Type.String(), Type.Null()]),
  comparison: ComparisonInput,
  signals: Signals,
  windowSeconds: Type.Integer(),
  state: VerificationState,
  createdAt: Type.String(),
  candidate: Type.Object({ from: Type.String(), to: Type.String(), version: Type.String() }),
  baselines: Type.Array(Type.Intersect([Span, Type.Object({ name: BaselineName })])),
  progress: Progress,
  verdict: Type.Union([VerdictResult, Type.Null()]),
  /** What went wrong when state is error (e.g. ClickHouse unavailable at the end, after retries). */
  error: Type.Union([Type.String(), Type.Null()]),
  webhook: Type.Union([WebhookState, Type.Null()]),
  /** For Argo Rollouts' web metric provider: jsonPath "{$.argo}", successCondition result.phase == "Successful". */
  argo: Type.Object({ phase: ArgoPhase, done: Type.Boolean() }),
  chartUrl: Type.String(),
});
export type Verification = Static<typeof Verification>;

export const StartResult = Type.Object({ verification: Verification, created: Type.Boolean() });

export const ListQuery = Type.Object({
  service: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  environment: Type.Optional(Type.String({ maxLength: 256 })),
  deployId: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  state: Type.Optional(VerificationState),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
});
export type ListQuery = Static<typeof ListQuery>;

export const ListResult = Type.Object({ verifications: Type.Array(Verification) });

/** Flagger's webhook body (https://docs.flagger.app/usage/webhooks). */
export const FlaggerBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 256 }),
  namespace: Type.String({ maxLength: 256, default: '' }),
  phase: Type.String({ maxLength: 64, default: '' }),
  metadata: Type.Record(Type.String(), Type.String(), { default: {} }),
});
export type FlaggerBody = Static<typeof FlaggerBody>;
