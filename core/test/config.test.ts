import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_ENV_VARIABLES, loadConfig, parseConfig, type HubConfig } from '../src/index.ts';

const TOKEN_A = 'token-aaaaaaaaaaaaaaaa';
const TOKEN_B = 'token-bbbbbbbbbbbbbbbb';

/** Every default, written out once more so that a changed default is a visible decision. */
const DEFAULTS: HubConfig = {
  dataDir: '.hub-data',
  logLevel: 'info',
  clickhouse: {
    url: '',
    database: 'hub',
    username: 'default',
    password: '',
    requestTimeoutMs: 30_000,
    cluster: '',
  },
  retention: { logsDays: 14, metricsDays: 30, checkIntervalMs: 3_600_000 },
  collector: {
    host: '0.0.0.0',
    httpPort: 4318,
    grpcPort: 4317,
    authTokens: [],
    maxBodyBytes: 16 * 1024 * 1024,
    maxAttributesPerRecord: 256,
    maxAnyValueDepth: 16,
    flushRows: 100_000,
    flushBytes: 32 * 1024 * 1024,
    flushIntervalMs: 500,
    maxPendingBytes: 192 * 1024 * 1024,
    maxConcurrentInserts: 2,
    retryAfterSeconds: 2,
    walDir: '.hub-data/wal',
    walFsync: true,
    wasmTranscoder: true,
    redaction: {
      enabled: true,
      builtins: ['bearer-token', 'url-password', 'password-field', 'email', 'payment-card'],
      rules: [],
    },
  },
  api: {
    host: '0.0.0.0',
    port: 8080,
    teamsFile: '',
    sessionSecret: '',
    sessionTtlHours: 12,
    secureCookies: false,
  },
  selfTelemetry: { enabled: true, endpoint: '', exportIntervalMs: 30_000 },
  alerting: { enabled: true, rulesDir: 'alert-rules', queryTimeoutMs: 10_000, maxConcurrentQueries: 4 },
  verification: {
    profilesFile: '',
    tickMs: 5000,
    settleMs: 30_000,
    webhookAttempts: 6,
    webhookRetryDelayMs: 5000,
    webhookTimeoutMs: 10_000,
  },
  metricRollups: {
    enabled: true,
    intervalMs: 60_000,
    marginMinutes: 5,
    chunkMinutes: 120,
    lateCheckIntervalMs: 600_000,
    lateCheckHours: 24,
  },
  notifications: {
    slackToken: '',
    slackApiUrl: 'https://slack.com/api/',
    smtpUrl: '',
    emailFrom: 'Observability hub <alerts@localhost>',
    routingFile: 'alert-rules/routing.yaml',
    publicUrl: 'http://localhost:8080',
    maxAttempts: 5,
    retryBaseDelayMs: 1000,
    retryMaxDelayMs: 60_000,
    tickIntervalMs: 1000,
  },
};

interface ConfigError {
  code: unknown;
  message: string;
}

/** The error thrown by fn, or a failed expectation when it does not throw. */
function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    return { code: (err as { code?: unknown }).code, message: (err as Error).message };
  }
  return expect.unreachable('expected an error');
}

function getPath(obj: unknown, dotted: string): unknown {
  let node = obj;
  for (const key of dotted.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

let dir: string;
let fileCounter = 0;

/** Writes a YAML file into the test's temp folder and returns its path. */
function yamlFile(text: string): string {
  const file = path.join(dir, `config-${++fileCounter}.yaml`);
  writeFileSync(file, text);
  return file;
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'hub-config-test-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('loadConfig defaults', () => {
  it('fills every default from an empty environment', () => {
    expect(loadConfig({ env: {} })).toEqual(DEFAULTS);
  });

  it('returns a fresh object each time', () => {
    const a = loadConfig({ env: {} });
    a.collector.authTokens.push('mutated');
    a.clickhouse.url = 'mutated';
    expect(loadConfig({ env: {} })).toEqual(DEFAULTS);
  });

  it('ignores environment variables it does not know', () => {
    expect(loadConfig({ env: { PATH: '/usr/bin', HUB_UNKNOWN: 'x', clickhouse_url: 'http://x' } })).toEqual(
      DEFAULTS,
    );
  });

  it('treats an empty variable as unset', () => {
    const config = loadConfig({
      env: { CLICKHOUSE_URL: '', HUB_COLLECTOR_HTTP_PORT: '', HUB_SELF_TELEMETRY: '' },
    });
    expect(config).toEqual(DEFAULTS);
  });
});

describe('loadConfig environment bindings', () => {
  it('reads strings, integers, lists and booleans', () => {
    const config = loadConfig({
      env: {
        CLICKHOUSE_URL: 'http://ch.internal:8123',
        CLICKHOUSE_DATABASE: 'observability',
        CLICKHOUSE_USER: 'hub',
        CLICKHOUSE_PASSWORD: 's3cret',
        HUB_COLLECTOR_HTTP_PORT: '14318',
        HUB_COLLECTOR_GRPC_PORT: '14317',
        HUB_API_PORT: '0',
        HUB_INGEST_TOKENS: `${TOKEN_A},${TOKEN_B}`,
        HUB_SELF_TELEMETRY: 'false',
        HUB_RETENTION_LOGS_DAYS: '7',
        HUB_LOG_LEVEL: 'debug',
      },
    });
    expect(config.clickhouse).toEqual({
      ...DEFAULTS.clickhouse,
      url: 'http://ch.internal:8123',
      database: 'observability',
      username: 'hub',
      password: 's3cret',
    });
    expect(config.collector.httpPort).toBe(14318);
    expect(config.collector.grpcPort).toBe(14317);
    expect(config.api.port).toBe(0);
    expect(config.collector.authTokens).toEqual([TOKEN_A, TOKEN_B]);
    expect(config.selfTelemetry.enabled).toBe(false);
    expect(config.retention).toEqual({ ...DEFAULTS.retention, logsDays: 7 });
    expect(config.logLevel).toBe('debug');
    // Everything not set keeps its default.
    expect(config.collector.flushRows).toBe(DEFAULTS.collector.flushRows);
    expect(config.api.host).toBe(DEFAULTS.api.host);
  });

  it('parses integers as numbers, tolerating surrounding spaces', () => {
    const config = loadConfig({ env: { HUB_COLLECTOR_HTTP_PORT: ' 9000 ' } });
    expect(config.collector.httpPort).toBe(9000);
    expect(typeof config.collector.httpPort).toBe('number');
  });

  it('splits the token list on commas, trimming blanks and empty entries', () => {
    const config = loadConfig({ env: { HUB_INGEST_TOKENS: ` ${TOKEN_A} ,, ${TOKEN_B},` } });
    expect(config.collector.authTokens).toEqual([TOKEN_A, TOKEN_B]);
    expect(loadConfig({ env: { HUB_INGEST_TOKENS: TOKEN_A } }).collector.authTokens).toEqual([TOKEN_A]);
  });

  it.each([
    ['true', true],
    ['TRUE', true],
    ['1', true],
    ['yes', true],
    ['on', true],
    [' True ', true],
    ['false', false],
    ['False', false],
    ['0', false],
    ['no', false],
    ['off', false],
  ])('reads HUB_SELF_TELEMETRY=%j as %s', (text, expected) => {
    expect(loadConfig({ env: { HUB_SELF_TELEMETRY: text } }).selfTelemetry.enabled).toBe(expected);
    expect(loadConfig({ env: { HUB_COLLECTOR_WAL_FSYNC: text } }).collector.walFsync).toBe(expected);
    expect(loadConfig({ env: { HUB_REDACTION: text } }).collector.redaction.enabled).toBe(expected);
  });

  it('binds every documented variable to a field that exists', () => {
    const defaults = loadConfig({ env: {} });
    expect(CONFIG_ENV_VARIABLES.length).toBeGreaterThan(0);
    for (const { name, path: field } of CONFIG_ENV_VARIABLES) {
      expect(getPath(defaults, field), `${name} → ${field}`).not.toBeUndefined();
    }
    const names = CONFIG_ENV_VARIABLES.map((v) => v.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(
      expect.arrayContaining([
        'CLICKHOUSE_URL',
        'HUB_COLLECTOR_HTTP_PORT',
        'HUB_INGEST_TOKENS',
        'HUB_SELF_TELEMETRY',
      ]),
    );
  });

  it('applies every string binding to its field', () => {
    for (const { name, path: field } of CONFIG_ENV_VARIABLES) {
      if (typeof getPath(DEFAULTS, field) !== 'string' || field === 'logLevel') continue;
      const value =
        field.startsWith('clickhouse.') && /database|cluster/.test(field) ? 'some_name' : 'some-value';
      const config = loadConfig({ env: { [name]: value } });
      expect(getPath(config, field), name).toBe(value);
    }
  });
});

describe('loadConfig with a YAML file', () => {
  it('reads the file named by HUB_CONFIG and fills the rest with defaults', () => {
    const file = yamlFile(
      [
        'logLevel: warn',
        'clickhouse:',
        '  url: http://from-file:8123',
        '  database: from_file',
        'collector:',
        '  httpPort: 5318',
        '  authTokens:',
        `    - ${TOKEN_A}`,
        'retention:',
        '  logsDays: 3',
      ].join('\n'),
    );
    const config = loadConfig({ env: { HUB_CONFIG: file } });
    expect(config.logLevel).toBe('warn');
    expect(config.clickhouse).toEqual({
      ...DEFAULTS.clickhouse,
      url: 'http://from-file:8123',
      database: 'from_file',
    });
    expect(config.collector).toEqual({ ...DEFAULTS.collector, httpPort: 5318, authTokens: [TOKEN_A] });
    expect(config.retention).toEqual({ ...DEFAULTS.retention, logsDays: 3 });
    expect(config.api).toEqual(DEFAULTS.api);
  });

  it('lets the environment override the file, field by field', () => {
    const file = yamlFile(
      [
        'clickhouse:',
        '  url: http://from-file:8123',
        '  database: from_file',
        'collector:',
        '  httpPort: 5318',
      ].join('\n'),
    );
    const config = loadConfig({
      env: { HUB_CONFIG: file, CLICKHOUSE_URL: 'http://from-env:8123', HUB_SELF_TELEMETRY: 'off' },
    });
    expect(config.clickhouse.url).toBe('http://from-env:8123');
    // Fields the environment does not set still come from the file.
    expect(config.clickhouse.database).toBe('from_file');
    expect(config.collector.httpPort).toBe(5318);
    expect(config.selfTelemetry.enabled).toBe(false);
  });

  it('treats an empty file as all defaults', () => {
    expect(loadConfig({ env: { HUB_CONFIG: yamlFile('') } })).toEqual(DEFAULTS);
    expect(loadConfig({ env: { HUB_CONFIG: yamlFile('# only a comment\n') } })).toEqual(DEFAULTS);
  });

  it('validates values from the file as well', () => {
    const err = errorOf(() =>
      loadConfig({ env: { HUB_CONFIG: yamlFile('collector:\n  httpPort: 70000\n') } }),
    );
    expect(err.code).toBe('HUB_CONFIG_INVALID');
    expect(err.message).toMatch(/collector\/httpPort/);
  });

  it('rejects a quoted number in the file rather than guessing', () => {
    const err = errorOf(() => loadConfig({ env: { HUB_CONFIG: yamlFile('api:\n  port: "8080"\n') } }));
    expect(err.code).toBe('HUB_CONFIG_INVALID');
    expect(err.message).toMatch(/api\/port/);
  });
});

describe('loadConfig overrides', () => {
  it('applies overrides last, over the file and the environment', () => {
    const file = yamlFile('api:\n  port: 1111\n  host: 127.0.0.2\n');
    const overrides = { api: { port: 3333 }, clickhouse: { url: 'http://override:8123' } };
    const config = loadConfig({
      env: { HUB_CONFIG: file, HUB_API_PORT: '2222', CLICKHOUSE_URL: 'http://env:8123' },
      overrides,
    });
    expect(config.api).toMatchObject({ host: '127.0.0.2', port: 3333 });
    expect(config.clickhouse.url).toBe('http://override:8123');
    // The caller's object is left as it was.
    expect(overrides).toEqual({ api: { port: 3333 }, clickhouse: { url: 'http://override:8123' } });
  });

  it('validates overrides too', () => {
    const err = errorOf(() => loadConfig({ env: {}, overrides: { retention: { logsDays: 0 } } }));
    expect(err.code).toBe('HUB_CONFIG_INVALID');
    expect(err.message).toMatch(/retention\/logsDays/);
  });
});

describe('loadConfig errors', () => {
  it.each(['abc', '80.5', '1e3', '0x50', '8080abc', '+80'])(
    'rejects HUB_COLLECTOR_HTTP_PORT=%j as not an integer',
    (text) => {
      const err = errorOf(() => loadConfig({ env: { HUB_COLLECTOR_HTTP_PORT: text } }));
      expect(err.code).toBe('HUB_CONFIG_INVALID');
      expect(err.message).toContain('HUB_COLLECTOR_HTTP_PORT');
    },
  );

  it('rejects an integer too large to hold exactly', () => {
    const err = errorOf(() => loadConfig({ env: { HUB_COLLECTOR_MAX_BODY_BYTES: '99999999999999999999' } }));
    expect(err.code).toBe('HUB_CONFIG_INVALID');
    expect(err.message).toContain('HUB_COLLECTOR_MAX_BODY_BYTES');
  });

  it.each(['70000', '65536', '-1'])('rejects port %s as out of range', (text) => {
    const err = errorOf(() => loadConfig({ env: { HUB_COLLECTOR_HTTP_PORT: text } }));
    expect(err.code).toBe('HUB_CONFIG_INVALID');
    expect(err.message).toMatch(/collector\/httpPort/);
  });

  it('accepts the edges of the port range', () => {
    expect(loadConfig({ env: { HUB_COLLECTOR_HTTP_PORT: '65535' } }).collector.httpPort).toBe(65535);
    expect(loadConfig({ env: { HUB_COLLECTOR_HTTP_PORT: '0' } }).collector.httpPort).toBe(0);
  });

  it('rejects an unknown log level', () => {
    const err = errorOf(() => loadConfig({ env: { HUB_LOG_LEVEL: 'verbose' } }));
    expect(err.code).toBe('HUB_CONFIG_INVALID');
    expect(err.message).toMatch(/logLevel/);
  });

  it.each(['maybe', 'y', 'enabled', '2'])('rejects HUB_SELF_TELEMETRY=%j as not a boolean', (text) => {
    const err = errorOf(() => loadConfig({ env: { HUB_SELF_TELEMETRY: text } }));
    expect(err.code).toBe('HUB_CONFIG_INVALID');
    expect(err.message).toContain('HUB_SELF_TELEMETRY');
  });

  it('rejects ingest tokens that are too short', () => {
    const err = errorOf(() => loadConfig({ env: { HUB_INGEST_TOKENS: `${TOKEN_A},short` } }));
    expect(err.code).toBe('HUB_CONFIG_INVALID');
    expect(err.message).toMatch(/collector\/authTokens\/1/);
    // A rejected token is a secret: the message names where it is, not what it is.
    expect(err.message).not.toContain('short');
  });

  it('rejects a database name that is not an identifier', () => {
    const err = errorOf(() => loadConfig({ env: { CLICKHOUSE_DATABASE: 'hub; DROP DATABASE x' } }));
    expect(err.code).toBe('HUB_CONFIG_INVALID');
    expect(err.message).toMatch(/clickhouse\/database/);
  });

  it('lists every problem, not just the first', () => {
    const err = errorOf(() =>
      loadConfig({ env: { HUB_COLLECTOR_HTTP_PORT: '70000', HUB_API_PORT: '70001', HUB_LOG_LEVEL: 'loud' } }),
    );
    expect(err.code).toBe('HUB_CONFIG_INVALID');
    expect(err.message).toMatch(/collector\/httpPort/);
    expect(err.message).toMatch(/api\/port/);
    expect(err.message).toMatch(/logLevel/);
  });

  it('reports a missing file as unreadable, naming it', () => {
    const missing = path.join(dir, 'does-not-exist.yaml');
    const err = errorOf(() => loadConfig({ env: { HUB_CONFIG: missing } }));
    expect(err.code).toBe('HUB_CONFIG_FILE_UNREADABLE');
    expect(err.message).toContain(missing);
  });

  it('reports a directory as unreadable, naming it', () => {
    const folder = path.join(dir, 'a-folder');
    mkdirSync(folder);
    const err = errorOf(() => loadConfig({ env: { HUB_CONFIG: folder } }));
    expect(err.code).toBe('HUB_CONFIG_FILE_UNREADABLE');
    expect(err.message).toContain(folder);
  });

  it.skipIf(process.getuid?.() === 0)('reports a file without read permission as unreadable', () => {
    const file = yamlFile('logLevel: warn\n');
    chmodSync(file, 0o000);
    const err = errorOf(() => loadConfig({ env: { HUB_CONFIG: file } }));
    expect(err.code).toBe('HUB_CONFIG_FILE_UNREADABLE');
    expect(err.message).toContain(file);
  });

  it.each([
    ['a list', '- logLevel: warn\n- api:\n    port: 1\n'],
    ['a string', 'just some text\n'],
    ['a number', '42\n'],
  ])('rejects a file that is %s, naming the file', (_what, text) => {
    const file = yamlFile(text);
    const err = errorOf(() => loadConfig({ env: { HUB_CONFIG: file } }));
    expect(err.code).toBe('HUB_CONFIG_INVALID');
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/mapping/);
  });

  it('rejects a file that is not valid YAML, naming the file', () => {
    const file = yamlFile('clickhouse:\n  url: "unterminated\n  database: [\n');
    const err = errorOf(() => loadConfig({ env: { HUB_CONFIG: file } }));
    expect(err.code).toBe('HUB_CONFIG_INVALID');
    expect(err.message).toContain(file);
  });
});

describe('parseConfig', () => {
  it('fills defaults into a partial object', () => {
    expect(parseConfig({ api: { port: 1234 } })).toEqual({
      ...DEFAULTS,
      api: { ...DEFAULTS.api, port: 1234 },
    });
    expect(parseConfig({})).toEqual(DEFAULTS);
  });

  it('rejects what is not an object', () => {
    for (const raw of [null, 'text', 42, []]) {
      expect(errorOf(() => parseConfig(raw)).code).toBe('HUB_CONFIG_INVALID');
    }
  });

  it('rejects a value of the wrong type, naming the field', () => {
    const err = errorOf(() => parseConfig({ collector: { walFsync: 'yes' } }));
    expect(err.code).toBe('HUB_CONFIG_INVALID');
    expect(err.message).toMatch(/collector\/walFsync/);
  });

  it('refuses unknown settings (typos) and names them', () => {
    const err = errorOf(() => parseConfig({ collector: { flushRow: 10 }, colector: {} }));
    expect(err.code).toBe('HUB_CONFIG_INVALID');
    expect(err.message).toContain('"collector.flushRow"');
    expect(err.message).toContain('"colector"');
  });

  it('treats an empty YAML section as all defaults and leaves its input untouched', () => {
    const input = { collector: null, api: { port: 9000 } };
    const config = parseConfig(input);
    expect(config.collector.httpPort).toBe(4318);
    expect(config.api.port).toBe(9000);
    expect(input).toEqual({ collector: null, api: { port: 9000 } });
  });

  it('reads redaction rules from YAML and keeps the built-in defaults', () => {
    const file = yamlFile(
      [
        'collector:',
        '  redaction:',
        '    rules:',
        '      - name: employee-id',
        "        pattern: 'EMP-\\d{6}'",
        '        replacement: EMP-[REDACTED]',
        '      - name: ssn',
        "        pattern: '\\b\\d{3}-\\d{2}-\\d{4}\\b'",
        '        flags: i',
        '        replacement: "[SSN]"',
      ].join('\n'),
    );
    const config = loadConfig({ env: { HUB_CONFIG: file, HUB_REDACTION: 'off' } });
    expect(config.collector.redaction).toEqual({
      enabled: false,
      builtins: DEFAULTS.collector.redaction.builtins,
      rules: [
        { name: 'employee-id', pattern: 'EMP-\\d{6}', replacement: 'EMP-[REDACTED]' },
        { name: 'ssn', pattern: '\\b\\d{3}-\\d{2}-\\d{4}\\b', flags: 'i', replacement: '[SSN]' },
      ],
    });
  });

  it('refuses unknown redaction settings and incomplete rules, naming them', () => {
    const typo = errorOf(() => parseConfig({ collector: { redaction: { builtin: ['email'] } } }));
    expect(typo.code).toBe('HUB_CONFIG_INVALID');
    expect(typo.message).toMatch(/collector\/redaction\/builtin/);
    const rule = errorOf(() =>
      parseConfig({ collector: { redaction: { rules: [{ name: 'x', pattern: 'a', flags: 'y' }] } } }),
    );
    expect(rule.code).toBe('HUB_CONFIG_INVALID');
    expect(rule.message).toMatch(/collector\/redaction\/rules\/0\/replacement/);
    expect(rule.message).toMatch(/collector\/redaction\/rules\/0\/flags/);
  });

  it('lists the allowed values of an enumerated setting', () => {
    const err = errorOf(() => parseConfig({ logLevel: 'verbose' }));
    expect(err.message).toMatch(/one of: fatal, error, warn, info, debug, trace, silent/);
  });
});
