import { Type, type Static } from '@sinclair/typebox';

/**
 * The one configuration schema of the hub. Every default lives here.
 * Values come from an optional YAML file (HUB_CONFIG) and environment variables
 * (see ENV_BINDINGS in load.ts); nothing else reads process.env.
 */
export const ClickHouseConfig = Type.Object({
  /** When empty, `npm start` runs a local ClickHouse under dataDir. */
  url: Type.String({ default: '' }),
  database: Type.String({ default: 'hub', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }),
  username: Type.String({ default: 'default' }),
  password: Type.String({ default: '' }),
  requestTimeoutMs: Type.Integer({ minimum: 100, default: 30_000 }),
  /** Cluster name for ReplicatedMergeTree + Distributed tables; empty means single node. */
  cluster: Type.String({ default: '', pattern: '^([A-Za-z_][A-Za-z0-9_]*)?$' }),
});

export const RetentionConfig = Type.Object({
  logsDays: Type.Integer({ minimum: 1, default: 14 }),
  metricsDays: Type.Integer({ minimum: 1, default: 30 }),
  checkIntervalMs: Type.Integer({ minimum: 1000, default: 3_600_000 }),
});

/** A user redaction rule: every match of pattern becomes replacement. */
export const RedactionRuleConfig = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    /** JavaScript regular expression source; must not match the empty string. */
    pattern: Type.String({ minLength: 1 }),
    /** RegExp flags (d, i, m, s, u, v); "g" is implied. */
    flags: Type.Optional(Type.String({ pattern: '^[dgimsuv]*$' })),
    /** Replacement text; $1 and $<name> refer to groups, as in String.replace. */
    replacement: Type.String(),
  },
  { additionalProperties: false },
);

/**
 * Secrets replaced in log bodies and attribute values before they are stored
 * (docs/redaction.md). The built-in names are those of collector/src/redact/builtins.ts,
 * which the collector checks at start-up.
 */
export const RedactionConfig = Type.Object(
  {
    enabled: Type.Boolean({ default: true }),
    builtins: Type.Array(Type.String(), {
      default: ['bearer-token', 'url-password', 'password-field', 'email', 'payment-card'],
    }),
    rules: Type.Array(RedactionRuleConfig, { default: [] }),
  },
  { default: {}, additionalProperties: false },
);

export const CollectorConfig = Type.Object({
  host: Type.String({ default: '0.0.0.0' }),
  httpPort: Type.Integer({ minimum: 0, maximum: 65535, default: 4318 }),
  grpcPort: Type.Integer({ minimum: 0, maximum: 65535, default: 4317 }),
  /** Bearer tokens accepted for ingest; empty list means no authentication. */
  authTokens: Type.Array(Type.String({ minLength: 16 }), { default: [] }),
  /** Largest request body, compressed or not, checked again after decompression. */
  maxBodyBytes: Type.Integer({ minimum: 1024, maximum: 24 * 1024 * 1024, default: 16 * 1024 * 1024 }),
  maxAttributesPerRecord: Type.Integer({ minimum: 1, default: 256 }),
  maxAnyValueDepth: Type.Integer({ minimum: 1, maximum: 64, default: 16 }),
  /**
   * A flush starts when a batch reaches any of these. ClickHouse's CPU per row
   * falls by about 15% from 16 to 32 MiB INSERTs (fewer parts to write and
   * merge: `npm run bench:clickhouse`, docs/benchmarks.md).
   */
  flushRows: Type.Integer({ minimum: 1, default: 100_000 }),
  flushBytes: Type.Integer({ minimum: 1024, default: 32 * 1024 * 1024 }),
  flushIntervalMs: Type.Integer({ minimum: 1, default: 500 }),
  /** Acknowledged-but-not-inserted bytes held in memory; above it, ingest answers 429. */
  maxPendingBytes: Type.Integer({ minimum: 1024 * 1024, default: 192 * 1024 * 1024 }),
  maxConcurrentInserts: Type.Integer({ minimum: 1, maximum: 16, default: 2 }),
  retryAfterSeconds: Type.Integer({ minimum: 1, default: 2 }),
  /** Write-ahead log folder: acknowledged rows are fsynced here before the answer. */
  walDir: Type.String({ default: '.hub-data/wal' }),
  walFsync: Type.Boolean({ default: true }),
  /**
   * Transcode common protobuf log records in WebAssembly (collector/wasm); false: the
   * JS decoder reads every record. Both write the same rows (docs/ingest.md#decoding).
   */
  wasmTranscoder: Type.Boolean({ default: true }),
  redaction: RedactionConfig,
});

export const ApiConfig = Type.Object({
  host: Type.String({ default: '0.0.0.0' }),
  port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  /** Teams-as-code YAML (docs/access.md); empty turns access control off (local development). */
  teamsFile: Type.String({ default: '' }),
  /** HMAC key for UI session cookies; empty means a random key per start (sessions end on restart). */
  sessionSecret: Type.String({ default: '' }),
  sessionTtlHours: Type.Integer({ minimum: 1, maximum: 24 * 30, default: 12 }),
  /** Mark the session cookie Secure (set when the UI is served over HTTPS). */
  secureCookies: Type.Boolean({ default: false }),
});

export const SelfTelemetryConfig = Type.Object({
  enabled: Type.Boolean({ default: true }),
  /** OTLP/HTTP base URL; empty means the hub's own collector. */
  endpoint: Type.String({ default: '' }),
  exportIntervalMs: Type.Integer({ minimum: 1000, default: 30_000 }),
});

/** Alert notifications (docs/notifications.md): Slack, email, routing file, links, retries. */
export const NotificationsConfig = Type.Object({
  /** Slack bot token (xoxb-...); empty: no Slack delivery. A secret: never logged. */
  slackToken: Type.String({ default: '' }),
  /** Base URL of Slack's Web API; tests point it at a local server. Checked when the notifier starts. */
  slackApiUrl: Type.String({ default: 'https://slack.com/api/' }),
  /** SMTP URL (smtp://user:pass@host:587, smtps://...); empty: no email delivery. A secret: never logged. */
  smtpUrl: Type.String({ default: '' }),
  /** From address of alert mail. */
  emailFrom: Type.String({ default: 'Observability hub <alerts@localhost>' }),
  /** The routing file (receivers and routes); a missing file means no label-based routes. */
  routingFile: Type.String({ default: 'alert-rules/routing.yaml' }),
  /** Public URL of the hub, for the links in notifications. Checked when the notifier starts. */
  publicUrl: Type.String({ default: 'http://localhost:8080' }),
  /** Attempts per notification and target (the first included) before it fails for good. */
  maxAttempts: Type.Integer({ minimum: 1, maximum: 20, default: 5 }),
  /** First retry delay; doubled after each failure, up to retryMaxDelayMs. */
  retryBaseDelayMs: Type.Integer({ minimum: 1, default: 1000 }),
  retryMaxDelayMs: Type.Integer({ minimum: 1, default: 60_000 }),
  /** How often group timers (group_wait, group_interval, repeat_interval) are checked. */
  tickIntervalMs: Type.Integer({ minimum: 100, default: 1000 }),
});

/** Post-deploy verification: profiles and the runner in the API process (docs/verification.md). */
export const VerificationConfig = Type.Object({
  /** Verification profiles (YAML); empty: verification-profiles.yaml in the working directory, if present. */
  profilesFile: Type.String({ default: '' }),
  /** How often the runner advances running verifications. */
  tickMs: Type.Integer({ minimum: 100, maximum: 600_000, default: 5000 }),
  /** Wait after a window ends before judging it, for telemetry still on its way (export intervals, batching). */
  settleMs: Type.Integer({ minimum: 0, maximum: 600_000, default: 30_000 }),
  /** Completion webhook: attempts in all (the first included), first retry delay (doubled each time), timeout. */
  webhookAttempts: Type.Integer({ minimum: 1, maximum: 20, default: 6 }),
  webhookRetryDelayMs: Type.Integer({ minimum: 10, maximum: 3_600_000, default: 5000 }),
  webhookTimeoutMs: Type.Integer({ minimum: 100, maximum: 120_000, default: 10_000 }),
});

/** Alert rule evaluation (docs/alerting.md). */
export const AlertingConfig = Type.Object({
  enabled: Type.Boolean({ default: true }),
  /** Folder of rule files (docs/alert-rules.md), relative to the working directory. */
  rulesDir: Type.String({ default: 'alert-rules' }),
  /** Limit of one evaluation query (ClickHouse max_execution_time, rounded up to seconds). */
  queryTimeoutMs: Type.Integer({ minimum: 1000, maximum: 300_000, default: 10_000 }),
  /** Queries of one group run at most this many at a time. */
  maxConcurrentQueries: Type.Integer({ minimum: 1, maximum: 32, default: 4 }),
});

/** The metric increase job in the API process (docs/metrics.md#increases). */
export const MetricRollupsConfig = Type.Object({
  enabled: Type.Boolean({ default: true }),
  /** How often the job runs. */
  intervalMs: Type.Integer({ minimum: 1000, maximum: 3_600_000, default: 60_000 }),
  /** Minutes before the watermark recomputed on every run: samples later than this need the late check. */
  marginMinutes: Type.Integer({ minimum: 1, maximum: 120, default: 5 }),
  /** Minutes of samples per INSERT ... SELECT when catching up. */
  chunkMinutes: Type.Integer({ minimum: 1, maximum: 1440, default: 120 }),
  /** How often, and over how many hours, raw sample counts are compared with the increases (late samples). */
  lateCheckIntervalMs: Type.Integer({ minimum: 1000, maximum: 86_400_000, default: 600_000 }),
  lateCheckHours: Type.Integer({ minimum: 1, maximum: 24 * 31, default: 24 }),
});

export const HubConfig = Type.Object({
  dataDir: Type.String({ default: '.hub-data' }),
  logLevel: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  clickhouse: ClickHouseConfig,
  retention: RetentionConfig,
  collector: CollectorConfig,
  api: ApiConfig,
  selfTelemetry: SelfTelemetryConfig,
  alerting: AlertingConfig,
  notifications: NotificationsConfig,
  verification: VerificationConfig,
  metricRollups: MetricRollupsConfig,
});

export type HubConfig = Static<typeof HubConfig>;
export type ClickHouseConfig = Static<typeof ClickHouseConfig>;
export type CollectorConfig = Static<typeof CollectorConfig>;
export type RedactionConfig = Static<typeof RedactionConfig>;
export type RedactionRuleConfig = Static<typeof RedactionRuleConfig>;
export type RetentionConfig = Static<typeof RetentionConfig>;
export type ApiConfig = Static<typeof ApiConfig>;
export type SelfTelemetryConfig = Static<typeof SelfTelemetryConfig>;
export type AlertingConfig = Static<typeof AlertingConfig>;
export type NotificationsConfig = Static<typeof NotificationsConfig>;
export type VerificationConfig = Static<typeof VerificationConfig>;
export type MetricRollupsConfig = Static<typeof MetricRollupsConfig>;
