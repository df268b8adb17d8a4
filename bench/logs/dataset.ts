import {
  columnNames,
  LOG_INSERT_COLUMNS,
  LOG_RESOURCE_COLUMNS,
  renderValue,
  trusted,
  type SqlFragment,
} from '../../core/src/index.ts';
import { BODY_TEMPLATES, SERVICES } from './vocabulary.ts';

/**
 * The generated log data set of `npm run bench:logs`. Rows are made inside
 * ClickHouse (INSERT INTO logs SELECT ... FROM numbers()) from the row number
 * and cityHash64 of it with a salt per choice, so seeding 10M rows needs no
 * encoder and no network, and the same BENCH_ROWS with the same end time gives
 * the same rows. Only functions ClickHouse 18.16 has. Rows have the shape the
 * collector stores (collector/src/otlp/log-row.ts): every attribute in
 * attr_keys/attr_values as text, numeric ones also in attr_num_*, http_status
 * promoted, the promoted resource columns in each row and the resource's
 * attributes once per resource in log_resources, the row pointing to them by
 * resource_fingerprint (docs/schema.md#log-resources).
 */

const DAY = 86_400;
export const SEED_DAYS = 7;

/**
 * Hour slots of the seeded week, each repeated in proportion to its traffic:
 * a daily cycle (peak 14:00 UTC, 4x the 02:00 trough) and quieter weekends.
 * A uniform pick from this list plus a uniform second inside the slot gives the
 * timestamp.
 */
export function hourSlots(endSec: number): number[] {
  const slots: number[] = [];
  const start = endSec - SEED_DAYS * DAY;
  for (let i = 0; i < SEED_DAYS * 24; i++) {
    const middle = new Date((start + i * 3600 + 1800) * 1000);
    const weekend = middle.getUTCDay() === 0 || middle.getUTCDay() === 6 ? 0.7 : 1;
    const weight = (1 + 0.6 * Math.sin((2 * Math.PI * (middle.getUTCHours() - 8)) / 24)) * weekend;
    for (let k = 0; k < Math.round(weight * 10); k++) slots.push(i);
  }
  return slots;
}

const list = (values: readonly (string | number)[]): string => renderValue([...values]);

/** A pseudo-random UInt64 per row and salt. */
const h = (salt: number): string => `cityHash64(n, ${salt})`;
/** A pseudo-random pick from a list literal. */
export const pick = (values: readonly (string | number)[], salt: number): string =>
  `arrayElement(${list(values)}, ${h(salt)} % ${values.length} + 1)`;
/** 16 lower-case hex digits. */
const hex16 = (salt: number): string => `lower(hex(toFixedString(reinterpretAsString(${h(salt)}), 8)))`;

/**
 * The row's random choices, in dependency order; each is an alias the later
 * ones and the columns use. Every one is computed once per row, so the body
 * templates below only pick among finished values.
 */
function choices(endSec: number): [alias: string, expression: string][] {
  const start = endSec - SEED_DAYS * DAY;
  const services = SERVICES.map((s) => s.name);
  const serviceDraw = SERVICES.flatMap((s, i) => Array<number>(s.perMille).fill(i));
  const slots = hourSlots(endSec);
  return [
    ['s', `arrayElement(${list(serviceDraw)}, ${h(1)} % ${serviceDraw.length} + 1)`],
    ['svc', `arrayElement(${list(services)}, s + 1)`],
    ['sec', `${start} + arrayElement(${list(slots)}, ${h(2)} % ${slots.length} + 1) * 3600 + ${h(3)} % 3600`],
    ['sevDraw', `${h(4)} % 1000`],
    // ~2% ERROR, ~5% WARN, ~5% DEBUG, the rest INFO.
    ['sev', 'multiIf(sevDraw < 20, 17, sevDraw < 70, 13, sevDraw < 120, 5, 9)'],
    ['tmplDraw', `${h(5)} % 100`],
    ['routeSkew', pick([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 3, 3, 4, 5, -1, -1], 6)],
    // Six routes per service, the first the busiest; about 10% of requests are health checks.
    [
      'route',
      `if(routeSkew < 0, '/healthz', arrayElement(${list(ROUTES)}, (s * 5 + routeSkew) % ${ROUTES.length} + 1))`,
    ],
    [
      'method',
      `if(route = '/healthz' OR ${h(7)} % 10 < 7, 'GET', ${pick(['POST', 'POST', 'PUT', 'DELETE'], 8)})`,
    ],
    [
      'statusCode',
      `multiIf(sev = 17, ${pick([500, 500, 502, 503, 504], 9)}, sev = 13, ${pick([429, 404, 409, 200, 200], 9)},
              ${pick([...Array<number>(16).fill(200), 201, 204, 304, 404], 9)})`,
    ],
    // Log-normal latency, median 20 ms (5x for errors): exp of an Irwin-Hall approximation of a normal.
    [
      'durMs',
      `round(exp(log(20) + 1.1 * sqrt(3) * ((${h(10)} % 1000000 + ${h(11)} % 1000000 + ${h(12)} % 1000000 + ${h(13)} % 1000000) / 1000000 - 2))
            * if(sev = 17, 5, 1), 1)`,
    ],
    ['dur', 'toString(durMs)'],
    ['status', 'toString(statusCode)'],
    ['uid', `concat('u-', toString(${h(14)} % 200000))`],
    ['k', `${h(15)} % 1000`],
    ['peer', `arrayElement(${list(services)}, (s + 1 + ${h(16)} % 5) % ${services.length} + 1)`],
    ['pod', `${h(20)} % (2 + s % 5)`],
    // Each service deploys a new version once, at its own time in the week.
    ['deployed', `toUInt32(sec) >= ${start} + cityHash64(s, 21) % ${SEED_DAYS * DAY}`],
    ['staging', `${h(22)} % 10 = 0`],
    ['traced', `${h(23)} % 10 < 8`],
    ['clientIp', `concat('10.1.', toString(k % 256), '.', toString(${h(41)} % 256))`],
    [
      'path',
      `if(position(route, '{') > 0,
         concat(substring(route, 1, position(route, '{') - 1), toString(${h(51)} % 100000), substring(route, position(route, '}') + 1, 100)),
         route)`,
    ],
    [
      'version',
      `concat(toString(1 + s % 3), '.', toString(cityHash64(s, 24) % 20 + deployed), '.', toString(cityHash64(s, deployed, 25) % 10))`,
    ],
    [
      'podName',
      `concat(svc, '-', substring(lower(hex(cityHash64(s, 26))), 1, 10), '-', substring(lower(hex(cityHash64(s, pod, 27))), 1, 5))`,
    ],
    [
      'host',
      `concat('ip-10-0-', toString(cityHash64(s, pod, 28) % 16), '-', toString(cityHash64(s, pod, 29) % 250 + 2), '.eu-west-1.compute.internal')`,
    ],
    ['env', `if(staging, 'staging', 'production')`],
    // Values only some body templates use.
    ['bytes', `toString(${h(49)} % 20000)`],
    ['userAgent', pick(USER_AGENTS, 50)],
    ['orderId', `concat('ord_', ${hex16(18)})`],
    ['paymentId', `concat('pay_', ${hex16(33)})`],
    ['items', 'toString(k % 12 + 1)'],
    ['amount', `toString(round((${h(19)} % 50000) / 100, 2))`],
    ['event', pick(['OrderCreated', 'OrderPaid', 'UserSignedUp', 'StockReserved', 'ShipmentBooked'], 30)],
    [
      'topic',
      pick(['order-events', 'payment-events', 'user-events', 'inventory-updates', 'email-outbox'], 31),
    ],
    ['partition', 'toString(k % 12)'],
    ['offset', `toString(${h(32)} % 100000000)`],
    ['job', pick(['reindex-products', 'expire-carts', 'sync-prices', 'send-digest', 'compact-sessions'], 34)],
    ['jobMs', 'toString(round(durMs * 40))'],
    ['records', 'toString(k * 37)'],
    ['table', pick(['orders', 'payments', 'users', 'inventory', 'sessions', 'carts', 'shipments'], 17)],
    ['rows', 'toString(k % 50)'],
    ['flag', pick(['new-checkout-flow', 'fast-search', 'one-click-pay', 'dark-mode', 'reco-v2'], 35)],
    ['flagValue', `if(k % 2 = 0, 'true', 'false')`],
    ['attempt', 'toString(k % 3 + 1)'],
    ['slowMs', 'toString(round(durMs * 20 + 500))'],
    ['sessionKey', hex16(36)],
    ['clientKey', hex16(37)],
    ['requests', 'toString(k)'],
    ['txid', `toString(${h(38)} % 10000000)`],
    ['active', 'toString(k % 50)'],
    ['package', `replaceAll(svc, '-', '')`],
    ['line1', 'toString(k % 400 + 20)'],
    ['line2', 'toString(k % 90 + 10)'],
  ];
}

const ROUTES = [
  '/api/v1/orders',
  '/api/v1/orders/{id}',
  '/api/v1/cart',
  '/api/v1/cart/items',
  '/api/v1/checkout',
  '/api/v1/payments',
  '/api/v1/payments/{id}/capture',
  '/api/v1/products',
  '/api/v1/products/{id}',
  '/api/v1/search',
  '/api/v1/users/{id}',
  '/api/v1/users/me',
  '/api/v1/auth/login',
  '/api/v1/auth/token',
  '/api/v1/inventory/{sku}',
  '/api/v1/shipping/quote',
  '/api/v1/notifications',
  '/api/v1/recommendations',
  '/api/v1/prices',
  '/api/v1/reviews',
  '/api/v2/orders',
  '/api/v2/search',
];
const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'okhttp/4.12.0',
  'Go-http-client/1.1',
  'python-requests/2.32.3',
];
const RECORD_ATTRIBUTE_KEYS = [
  'http.route',
  'http.request.method',
  'http.response.status_code',
  'user.id',
  'duration_ms',
  'thread.name',
  'code.function',
  'client.address',
];
const RESOURCE_KEYS = [
  'service.name',
  'service.version',
  'service.namespace',
  'service.instance.id',
  'deployment.environment.name',
  'host.name',
  'k8s.namespace.name',
  'k8s.deployment.name',
  'k8s.pod.name',
  'telemetry.sdk.language',
  'telemetry.sdk.name',
  'telemetry.sdk.version',
];

/**
 * The body: BODY_TEMPLATES parsed into constant pieces and {value} slots,
 * padded to the same number of slots, so one concat(piece0[t], slot1,
 * piece1[t], ...) builds every row's body from its template index t. (The
 * straightforward multiIf of one concat per template made the server build
 * every template for every row: 5x slower seeding.)
 */
function bodyExpression(): { template: string; body: string } {
  const parsed = BODY_TEMPLATES.map((t) => {
    const pieces = t.text.split(/\{(\w+)\}/);
    return { consts: pieces.filter((_, i) => i % 2 === 0), slots: pieces.filter((_, i) => i % 2 === 1) };
  });
  const slotCount = Math.max(...parsed.map((p) => p.slots.length));
  const parts: string[] = [];
  for (let i = 0; i <= slotCount; i++) {
    parts.push(`arrayElement(${list(parsed.map((p) => p.consts[i] ?? ''))}, t + 1)`);
    if (i === slotCount) break;
    const branches = new Map<string, number[]>();
    parsed.forEach((p, ti) => {
      const slot = p.slots[i];
      if (slot !== undefined) branches.set(slot, [...(branches.get(slot) ?? []), ti]);
    });
    const cases = [...branches].map(([value, ts]) => `t IN (${ts.join(', ')}), ${value}`);
    parts.push(cases.length === 0 ? `''` : `multiIf(${cases.join(', ')}, '')`);
  }
  // Template index: by severity, then by each template's share within its severity.
  const cases: string[] = [];
  const cumulative = new Map<number, number>();
  BODY_TEMPLATES.forEach((t, ti) => {
    const upTo = (cumulative.get(t.severity) ?? 0) + t.percent;
    cumulative.set(t.severity, upTo);
    cases.push(`sev = ${t.severity} AND tmplDraw < ${upTo}, ${ti}`);
  });
  return { template: `multiIf(${cases.join(', ')}, 0)`, body: `concat(${parts.join(', ')})` };
}

/** The inner SELECT of a chunk: every choice of rows offset … offset + count - 1, as aliases. */
function chunkSource(endSec: number, offset: number, count: number, template: string): string {
  const inner = [['n', 'number'], ...choices(endSec), ['t', template]]
    .map(([alias, expression]) => `${expression} AS ${alias}`)
    .join(',\n    ');
  return `(\n  SELECT\n    ${inner}\n  FROM numbers(${offset}, ${count})\n)`;
}

/** The resource's attributes (over the choices' aliases), and its fingerprint. */
function resourceExpressions(): { keys: string; values: string; fingerprint: string } {
  const keys = list(RESOURCE_KEYS);
  const values = `[svc, version, 'shop', podName, env, host, if(staging, 'shop-staging', 'shop'), svc, podName,
      arrayElement(${list(LANGUAGES)}, s % ${LANGUAGES.length} + 1), 'opentelemetry', '1.32.0']`;
  // The fingerprint of migration 9's backfill; any stable 64-bit hash of the resource would do.
  return { keys, values, fingerprint: `sipHash64(${keys}, ${values})` };
}

/**
 * The statements that seed `count` rows starting at row `offset`, with
 * timestamps in the SEED_DAYS before `endSec`: one INSERT ... SELECT into
 * log_resources (a row per resource of the chunk, first and last seen as in
 * the chunk's rows) and one into logs. Rows are numbered globally so chunks
 * never repeat one another.
 */
export function seedChunkStatements(endSec: number, offset: number, count: number): SqlFragment[] {
  const { template, body } = bodyExpression();
  const resource = resourceExpressions();
  const timeNanos = `toUInt64(sec) * 1000000000 + ${h(46)} % 1000000000`;
  const columns: Record<string, string> = {
    // Like the collector's ids: 40 random bits per batch of rows, then the row in the batch.
    id: `bitShiftLeft(cityHash64(intDiv(n, 50000), 47) % 1099511627776, 24) + n % 50000`,
    timestamp: 'toDateTime(sec)',
    time_unix_nano: timeNanos,
    observed_time_unix_nano: `${timeNanos} + ${h(48)} % 500000000`,
    severity_number: 'sev',
    severity_text: `multiIf(sev = 17, 'ERROR', sev = 13, 'WARN', sev = 5, 'DEBUG', 'INFO')`,
    body,
    trace_id: `if(traced, concat(${hex16(43)}, ${hex16(44)}), '')`,
    span_id: `if(traced, ${hex16(45)}, '')`,
    flags: 'if(traced, 1, 0)',
    event_name: `''`,
    http_status: 'statusCode',
    attr_keys: `if(sev = 17, arrayPushBack(${list(RECORD_ATTRIBUTE_KEYS)}, 'exception.type'), ${list(RECORD_ATTRIBUTE_KEYS)})`,
    attr_values: `arrayConcat([route, method, status, uid, dur, concat('worker-', toString(k % 64)), ${pick(FUNCTIONS, 40)}, clientIp],
      if(sev = 17, [${pick(EXCEPTIONS, 42)}], emptyArrayString()))`,
    attr_num_keys: list(['http.response.status_code', 'duration_ms']),
    attr_num_values: '[toFloat64(statusCode), durMs]',
    service_name: 'svc',
    service_version: 'version',
    service_namespace: `'shop'`,
    service_instance_id: 'podName',
    environment: 'env',
    host_name: 'host',
    scope_name: `arrayElement(${list(SCOPES)}, s % ${SCOPES.length} + 1)`,
    scope_version: `'1.32.0'`,
    resource_fingerprint: resource.fingerprint,
  };
  const select = (names: readonly string[], expressions: Record<string, string>): string =>
    names
      .map((c) => {
        const expression = expressions[c];
        if (expression === undefined) throw new Error(`bench dataset: no expression for column ${c}`);
        return `${expression} AS \`${c}_\``;
      })
      .join(',\n  ');
  const resourceNames = columnNames(LOG_RESOURCE_COLUMNS);
  // Grouped by the resource: its arrays come out of any() of the group, its times span the chunk's rows.
  const resources = select(resourceNames, {
    fingerprint: resource.fingerprint,
    service_name: 'any(svc)',
    environment: 'any(env)',
    resource_keys: `any(${resource.keys})`,
    resource_values: `any(${resource.values})`,
    first_seen: 'toDateTime(min(sec))',
    last_seen: 'toDateTime(max(sec))',
  });
  const source = chunkSource(endSec, offset, count, template);
  return [
    trusted(
      `INSERT INTO log_resources (${resourceNames.join(', ')})\nSELECT\n  ${resources}\nFROM ${source}\nGROUP BY \`fingerprint_\``,
    ),
    trusted(
      `INSERT INTO logs (${LOG_INSERT_COLUMNS.join(', ')})\nSELECT\n  ${select(LOG_INSERT_COLUMNS, columns)}\nFROM ${source}`,
    ),
  ];
}

const LANGUAGES = ['java', 'go', 'nodejs', 'python'];
const SCOPES = [
  'io.opentelemetry.logback-appender-1.0',
  'go.opentelemetry.io/contrib/bridges/otelslog',
  '@opentelemetry/winston-transport',
  'opentelemetry.sdk._logs',
];
const FUNCTIONS = ['handle', 'process', 'execute', 'doFilter', 'serve', 'dispatch'];
const EXCEPTIONS = [
  'java.net.SocketTimeoutException',
  'java.sql.SQLException',
  'java.lang.IllegalStateException',
];
