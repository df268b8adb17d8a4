import {
  encodeLogsRequest,
  encodeMetricsRequest,
  type Attrs,
  type LogRecordSpec,
  type MetricSpec,
  type ResourceMetricsSpec,
} from './otlp-encode.ts';

/**
 * Realistic, deterministic OTLP payloads: a fleet of services (each with the
 * resource attributes an OpenTelemetry SDK on Kubernetes sends), HTTP access
 * and application logs (~300 bytes, 8 attributes, varied bodies and
 * severities), and the metrics such services export (histograms, counters,
 * gauges; a few thousand series). The same seed gives the same bytes, so the
 * load client and the raw-insert reference encode identical records.
 */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const pick = <T>(r: Rand, items: readonly T[]): T => items[Math.floor(r() * items.length)] as T;
const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
const hex = (r: Rand, n: number): string => {
  let s = '';
  for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(r() * 16)];
  return s;
};

const SERVICES = ['checkout', 'cart', 'payments', 'catalog', 'search', 'users', 'shipping', 'gateway'];
const ROUTES = [
  '/api/v1/orders/{id}',
  '/api/v1/orders',
  '/api/v1/cart/{id}/items',
  '/api/v1/products/{sku}',
  '/api/v1/search',
  '/api/v1/users/{id}',
  '/api/v1/payments/{id}/capture',
  '/healthz',
  '/api/v1/shipments/{id}/events',
  '/api/v2/recommendations',
];
const METHODS = ['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE'];
const STATUSES = [200, 200, 200, 200, 200, 201, 204, 304, 400, 401, 404, 409, 429, 500, 502, 503];

/** The resource of one service instance. */
export function resourceAttrs(service: string, instance: number): Attrs {
  const r = rng(service.length * 1000 + instance);
  const pod = `${service}-${hex(r, 10)}-${hex(r, 5)}`;
  return [
    ['service.name', service],
    ['service.version', `1.${int(r, 10, 40)}.${int(r, 0, 9)}`],
    ['service.namespace', 'shop'],
    ['service.instance.id', `${hex(r, 8)}-${hex(r, 4)}-4${hex(r, 3)}-a${hex(r, 3)}-${hex(r, 12)}`],
    ['deployment.environment.name', 'production'],
    ['host.name', pod],
    ['host.arch', 'amd64'],
    ['os.type', 'linux'],
    ['process.runtime.name', 'nodejs'],
    ['process.runtime.version', '20.19.2'],
    ['process.pid', { int: int(r, 1, 64) }],
    ['telemetry.sdk.name', 'opentelemetry'],
    ['telemetry.sdk.language', 'nodejs'],
    ['telemetry.sdk.version', '2.0.1'],
    ['k8s.namespace.name', 'shop-prod'],
    ['k8s.pod.name', pod],
    ['cloud.region', 'eu-west-1'],
  ];
}

function severity(r: Rand): [number, string] {
  const x = r();
  if (x < 0.08) return [5, 'DEBUG'];
  if (x < 0.85) return [9, 'INFO'];
  if (x < 0.95) return [13, 'WARN'];
  return [17, 'ERROR'];
}

function logRecord(r: Rand, timeNs: bigint): LogRecordSpec {
  const method = pick(r, METHODS);
  const route = pick(r, ROUTES);
  const status = pick(r, STATUSES);
  const id = int(r, 1000, 999_999);
  const path = route.replace(/\{[a-z]+\}/, String(id));
  const duration = Math.round(r() * r() * 250_000) / 100;
  const user = `u-${int(r, 1, 50_000)}`;
  const [sevNum, sevText] =
    status >= 500 ? ([17, 'ERROR'] as [number, string]) : status >= 400 ? [13, 'WARN'] : severity(r);
  const bodies = [
    `${method} ${path} ${status} ${duration}ms`,
    `request completed method=${method} path=${path} status=${status} bytes=${int(r, 80, 90_000)}`,
    `cache ${r() < 0.7 ? 'hit' : 'miss'} key=session:${hex(r, 16)} ttl=${int(r, 1, 3600)}s`,
    `order ${id} moved to state ${pick(r, ['PAID', 'PACKED', 'SHIPPED', 'CANCELLED'])}`,
    `upstream ${pick(r, SERVICES)} answered ${status} after ${duration}ms (attempt ${int(r, 1, 3)})`,
    `payment declined: ${pick(r, ['card_expired', 'insufficient_funds', 'do_not_honor'])} order=${id}`,
  ];
  return {
    timeNs,
    severityNumber: sevNum,
    severityText: sevText,
    body: pick(r, bodies),
    attributes: [
      ['http.request.method', method],
      ['http.route', route],
      ['server.port', { int: 8080 }],
      ['http.response.status_code', { int: status }],
      ['user.id', user],
      ['duration_ms', duration],
      ['client.address', `10.${int(r, 0, 255)}.${int(r, 0, 255)}.${int(r, 1, 254)}`],
      ['network.protocol.version', r() < 0.8 ? '1.1' : '2'],
    ],
    traceId: Buffer.from(hex(r, 32), 'hex'),
    spanId: Buffer.from(hex(r, 16), 'hex'),
  };
}

/** One OTLP/HTTP logs request: one service instance, two scopes, `records` records. */
export function logsRequest(seed: number, records: number, baseNs: bigint): Buffer {
  const r = rng(seed);
  const service = SERVICES[seed % SERVICES.length] as string;
  const http: LogRecordSpec[] = [];
  const app: LogRecordSpec[] = [];
  for (let i = 0; i < records; i++) {
    const t = baseNs + BigInt(i) * 997_000n + BigInt(int(r, 0, 999_999));
    (r() < 0.6 ? http : app).push(logRecord(r, t));
  }
  return encodeLogsRequest([
    {
      resource: resourceAttrs(service, seed % 4),
      scopes: [
        { scope: { name: '@opentelemetry/instrumentation-http', version: '0.203.0' }, records: http },
        { scope: { name: service, version: '' }, records: app },
      ],
    },
  ]);
}

const LATENCY_BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

function histogram(r: Rand, attributes: Attrs, bounds: readonly number[]) {
  const counts = bounds.map(() => int(r, 0, 400));
  counts.push(int(r, 0, 5));
  const count = counts.reduce((a, b) => a + b, 0);
  return { attributes, count, sum: count * r() * 0.3, bounds, counts };
}

/** The metrics one service instance exports per interval: about 250 series. */
function instanceMetrics(r: Rand, service: string): MetricSpec[] {
  const httpPoints = [];
  for (const route of ROUTES) {
    for (const method of ['GET', 'POST']) {
      for (const status of [200, 201, 400, 404, 500]) {
        const attributes: Attrs = [
          ['http.request.method', method],
          ['http.route', route],
          ['http.response.status_code', { int: status }],
        ];
        httpPoints.push({ attributes, r: r() });
      }
    }
  }
  const dbPoints = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'].flatMap((op) =>
    ['orders', 'carts', 'users', 'products'].map((coll): Attrs => [
      ['db.system.name', 'postgresql'],
      ['db.operation.name', op],
      ['db.collection.name', coll],
    ]),
  );
  return [
    {
      name: 'http.server.request.duration',
      unit: 's',
      description: 'Duration of HTTP server requests.',
      kind: 'histogram',
      temporality: 2,
      points: httpPoints.map((p) => histogram(r, p.attributes, LATENCY_BOUNDS)),
    },
    {
      name: 'http.server.requests',
      unit: '{request}',
      description: 'HTTP requests served.',
      kind: 'sum',
      temporality: 2,
      monotonic: true,
      points: httpPoints.map((p) => ({
        attributes: p.attributes,
        value: Math.floor(p.r * 1e6),
        asInt: true,
      })),
    },
    {
      name: 'db.client.operation.duration',
      unit: 's',
      description: 'Duration of database client operations.',
      kind: 'histogram',
      temporality: 2,
      points: dbPoints.map((a) => histogram(r, a, LATENCY_BOUNDS)),
    },
    {
      name: 'http.server.active_requests',
      unit: '{request}',
      description: 'Active HTTP server requests.',
      kind: 'sum',
      temporality: 2,
      monotonic: false,
      points: ['GET', 'POST', 'PUT', 'DELETE'].map((m) => ({
        attributes: [['http.request.method', m]] as Attrs,
        value: int(r, 0, 40),
        asInt: true,
      })),
    },
    {
      name: 'process.cpu.time',
      unit: 's',
      description: 'Total CPU seconds broken down by different CPU modes.',
      kind: 'sum',
      temporality: 2,
      monotonic: true,
      points: ['user', 'system'].map((m) => ({ attributes: [['cpu.mode', m]] as Attrs, value: r() * 1e4 })),
    },
    ...['process.memory.usage', 'nodejs.eventloop.delay.p99', 'v8js.memory.heap.used'].map(
      (name): MetricSpec => ({
        name,
        unit: name.endsWith('p99') ? 's' : 'By',
        description: '',
        kind: 'gauge',
        points: [{ attributes: [], value: r() * 1e8 }],
      }),
    ),
    {
      name: 'app.orders.created',
      unit: '{order}',
      description: 'Orders created.',
      kind: 'sum',
      temporality: 1,
      monotonic: true,
      points: ['card', 'paypal', 'invoice'].flatMap((pm) =>
        ['eu', 'us', 'apac', 'latam'].map((region) => ({
          attributes: [
            ['payment.method', pm],
            ['region', region],
            ['service', service],
          ] as Attrs,
          value: int(r, 0, 30),
          asInt: true,
        })),
      ),
    },
  ];
}

/**
 * One OTLP/HTTP metrics request as an agent-side batch processor forwards it:
 * `instancesPerRequest` service instances (resources), each with its ~250
 * series at one timestamp. 8 services x 4 instances give the fleet about 8,000 series.
 */
export function metricsRequest(
  seed: number,
  baseNs: bigint,
  instancesPerRequest = 4,
): { body: Buffer; points: number } {
  const r = rng(seed + 7);
  const resources: ResourceMetricsSpec[] = [];
  for (let i = 0; i < instancesPerRequest; i++) {
    const slot = (seed * instancesPerRequest + i) % (SERVICES.length * 4);
    const service = SERVICES[slot % SERVICES.length] as string;
    // Each round of the fleet is one 10 s export interval later.
    const round = Math.floor((seed * instancesPerRequest + i) / (SERVICES.length * 4));
    resources.push({
      resource: resourceAttrs(service, Math.floor(slot / SERVICES.length)),
      scope: { name: 'obshub-bench', version: '1.0.0' },
      startNs: baseNs - 3_600_000_000_000n,
      timeNs: baseNs + BigInt(round) * 10_000_000_000n,
      metrics: instanceMetrics(r, service),
    });
  }
  const points = resources.reduce((n, r) => n + r.metrics.reduce((m, x) => m + x.points.length, 0), 0);
  return { body: encodeMetricsRequest(resources), points };
}
