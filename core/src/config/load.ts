import { readFileSync } from 'node:fs';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { CoreErrors } from '../errors.ts';
import { HubConfig } from './schema.ts';

type Env = Record<string, string | undefined>;

/** Environment variable → config path, and how to read the text. */
const ENV_BINDINGS: ReadonlyArray<readonly [string, string, 'string' | 'int' | 'bool' | 'list']> = [
  ['HUB_DATA_DIR', 'dataDir', 'string'],
  ['HUB_LOG_LEVEL', 'logLevel', 'string'],
  ['CLICKHOUSE_URL', 'clickhouse.url', 'string'],
  ['CLICKHOUSE_DATABASE', 'clickhouse.database', 'string'],
  ['CLICKHOUSE_USER', 'clickhouse.username', 'string'],
  ['CLICKHOUSE_PASSWORD', 'clickhouse.password', 'string'],
  ['CLICKHOUSE_CLUSTER', 'clickhouse.cluster', 'string'],
  ['HUB_RETENTION_LOGS_DAYS', 'retention.logsDays', 'int'],
  ['HUB_RETENTION_METRICS_DAYS', 'retention.metricsDays', 'int'],
  ['HUB_COLLECTOR_HOST', 'collector.host', 'string'],
  ['HUB_COLLECTOR_HTTP_PORT', 'collector.httpPort', 'int'],
  ['HUB_COLLECTOR_GRPC_PORT', 'collector.grpcPort', 'int'],
  ['HUB_INGEST_TOKENS', 'collector.authTokens', 'list'],
  ['HUB_COLLECTOR_MAX_BODY_BYTES', 'collector.maxBodyBytes', 'int'],
  ['HUB_COLLECTOR_FLUSH_ROWS', 'collector.flushRows', 'int'],
  ['HUB_COLLECTOR_FLUSH_INTERVAL_MS', 'collector.flushIntervalMs', 'int'],
  ['HUB_COLLECTOR_MAX_PENDING_BYTES', 'collector.maxPendingBytes', 'int'],
  ['HUB_COLLECTOR_WAL_DIR', 'collector.walDir', 'string'],
  ['HUB_COLLECTOR_WAL_FSYNC', 'collector.walFsync', 'bool'],
  ['HUB_COLLECTOR_WASM_TRANSCODER', 'collector.wasmTranscoder', 'bool'],
  ['HUB_REDACTION', 'collector.redaction.enabled', 'bool'],
  ['HUB_API_HOST', 'api.host', 'string'],
  ['HUB_API_PORT', 'api.port', 'int'],
  ['HUB_TEAMS_FILE', 'api.teamsFile', 'string'],
  ['HUB_SESSION_SECRET', 'api.sessionSecret', 'string'],
  ['HUB_SECURE_COOKIES', 'api.secureCookies', 'bool'],
  ['HUB_SELF_TELEMETRY', 'selfTelemetry.enabled', 'bool'],
  ['HUB_SELF_TELEMETRY_ENDPOINT', 'selfTelemetry.endpoint', 'string'],
  ['HUB_METRIC_ROLLUPS', 'metricRollups.enabled', 'bool'],
  ['HUB_METRIC_ROLLUPS_INTERVAL_MS', 'metricRollups.intervalMs', 'int'],
  ['HUB_METRIC_ROLLUPS_MARGIN_MINUTES', 'metricRollups.marginMinutes', 'int'],
  ['HUB_ALERTING', 'alerting.enabled', 'bool'],
  ['HUB_ALERT_RULES_DIR', 'alerting.rulesDir', 'string'],
  ['HUB_ALERT_QUERY_TIMEOUT_MS', 'alerting.queryTimeoutMs', 'int'],
  ['HUB_SLACK_TOKEN', 'notifications.slackToken', 'string'],
  ['HUB_SLACK_API_URL', 'notifications.slackApiUrl', 'string'],
  ['HUB_SMTP_URL', 'notifications.smtpUrl', 'string'],
  ['HUB_EMAIL_FROM', 'notifications.emailFrom', 'string'],
  ['HUB_ROUTING_FILE', 'notifications.routingFile', 'string'],
  ['HUB_PUBLIC_URL', 'notifications.publicUrl', 'string'],
  ['HUB_VERIFICATION_PROFILES', 'verification.profilesFile', 'string'],
  ['HUB_VERIFICATION_TICK_MS', 'verification.tickMs', 'int'],
  ['HUB_VERIFICATION_SETTLE_MS', 'verification.settleMs', 'int'],
  ['HUB_VERIFICATION_WEBHOOK_ATTEMPTS', 'verification.webhookAttempts', 'int'],
];

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1] as string] = value;
}

function readEnvValue(name: string, text: string, kind: 'string' | 'int' | 'bool' | 'list'): unknown {
  switch (kind) {
    case 'string':
      return text;
    case 'int': {
      const value = Number(text);
      if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(value)) {
        throw new CoreErrors.CONFIG_INVALID(`${name}="${text}" is not an integer`);
      }
      return value;
    }
    case 'bool': {
      const t = text.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(t)) return true;
      if (['0', 'false', 'no', 'off'].includes(t)) return false;
      throw new CoreErrors.CONFIG_INVALID(`${name}="${text}" is not a boolean (true/false)`);
    }
    case 'list':
      return text
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
  }
}

export interface LoadConfigOptions {
  env?: Env;
  /** Overrides applied last (tests, CLI flags). */
  overrides?: Record<string, unknown>;
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const prev = out[k];
    out[k] =
      typeof v === 'object' && v !== null && !Array.isArray(v) && typeof prev === 'object' && prev !== null
        ? deepMerge(prev as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

/**
 * Reads the configuration once: YAML file (HUB_CONFIG), then environment, then
 * overrides; fills defaults and validates. A bad value fails with every problem listed.
 */
export function loadConfig(options: LoadConfigOptions = {}): HubConfig {
  const env = options.env ?? process.env;
  let raw: Record<string, unknown> = {};
  const file = env['HUB_CONFIG'];
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new CoreErrors.CONFIG_FILE_UNREADABLE(file, (err as Error).message);
    }
    let parsed: unknown;
    try {
      parsed = parseYaml(text);
    } catch (err) {
      throw new CoreErrors.CONFIG_INVALID(`${file} is not valid YAML: ${(err as Error).message}`);
    }
    if (parsed !== null && parsed !== undefined) {
      if (typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new CoreErrors.CONFIG_INVALID(`${file} must contain a YAML mapping`);
      }
      raw = parsed as Record<string, unknown>;
    }
  }
  for (const [name, path, kind] of ENV_BINDINGS) {
    const text = env[name];
    if (text !== undefined && text !== '') setPath(raw, path, readEnvValue(name, text, kind));
  }
  if (options.overrides) raw = deepMerge(raw, options.overrides);
  return parseConfig(raw);
}

const SECTIONS = [
  'clickhouse',
  'retention',
  'collector',
  'api',
  'selfTelemetry',
  'alerting',
  'notifications',
  'verification',
  'metricRollups',
] as const;

/** Settings the schema does not know: almost always a typo, so they are refused, not ignored. */
function unknownSettings(raw: Record<string, unknown>): string[] {
  const out: string[] = [];
  const top = HubConfig.properties as Record<string, { properties?: Record<string, unknown> }>;
  for (const [key, value] of Object.entries(raw)) {
    const spec = top[key];
    if (!spec) {
      out.push(key);
      continue;
    }
    if (spec.properties && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      for (const sub of Object.keys(value)) if (!(sub in spec.properties)) out.push(`${key}.${sub}`);
    }
  }
  return out;
}

function describeError(e: { path: string; message: string; schema: unknown }): string {
  const anyOf = (e.schema as { anyOf?: Array<{ const?: unknown }> }).anyOf;
  const allowed = anyOf?.every((s) => s.const !== undefined)
    ? ` (one of: ${anyOf.map((s) => String(s.const)).join(', ')})`
    : '';
  return `${e.path || '/'}: ${e.message}${allowed}`;
}

/** Validates a config object (defaults filled in). The argument is not modified. */
export function parseConfig(input: unknown): HubConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new CoreErrors.CONFIG_INVALID('the configuration must be a mapping of settings');
  }
  const raw = Value.Clone(input) as Record<string, unknown>;
  // An empty section in YAML (`collector:`) parses as null: it means "all defaults".
  for (const section of SECTIONS) if (raw[section] === undefined || raw[section] === null) raw[section] = {};
  const unknown = unknownSettings(raw);
  if (unknown.length > 0) {
    throw new CoreErrors.CONFIG_INVALID(
      `unknown setting${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u}"`).join(', ')}`,
    );
  }
  const withDefaults = Value.Default(HubConfig, raw);
  const errors = [...Value.Errors(HubConfig, withDefaults)];
  if (errors.length > 0) {
    throw new CoreErrors.CONFIG_INVALID(errors.slice(0, 10).map(describeError).join('; '));
  }
  return withDefaults as HubConfig;
}

export const CONFIG_ENV_VARIABLES = ENV_BINDINGS.map(([name, path]) => ({ name, path }));
