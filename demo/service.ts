import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomInt, randomUUID } from 'node:crypto';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { metrics } from '@opentelemetry/api';
import { logs, SeverityNumber } from '@opentelemetry/api-logs';

/**
 * A demo service instrumented with @opentelemetry/sdk-node: an HTTP server with
 * a few routes, its own traffic generator, realistic logs and the semantic-
 * convention HTTP server duration histogram. Configured by its arguments:
 *   demo/service.ts <service> <version> <environment> <otlp-base-url> [regression]
 * where regression (default 1) multiplies the error rates and latencies, so a
 * demo deploy can show what a bad release looks like.
 */
const [
  service = 'checkout',
  version = '1.0.0',
  environment = 'production',
  endpoint = 'http://127.0.0.1:4318',
  regressionArg = '1',
] = process.argv.slice(2);
const regression = Math.max(1, Number(regressionArg) || 1);

const sdk = new NodeSDK({
  resource: resourceFromAttributes({
    'service.name': service,
    'service.version': version,
    'service.namespace': 'shop',
    'service.instance.id': randomUUID(),
    'deployment.environment.name': environment,
    'host.name': `${service}-${randomInt(1, 4)}`,
  }),
  autoDetectResources: false,
  spanProcessors: [],
  logRecordProcessors: [
    new BatchLogRecordProcessor({
      exporter: new OTLPLogExporter({ url: `${endpoint}/v1/logs` }),
      scheduledDelayMillis: 2000,
    }),
  ],
  metricReaders: [
    new PeriodicExportingMetricReader({
      exporter: new OTLPMetricExporter({ url: `${endpoint}/v1/metrics` }),
      exportIntervalMillis: 5000,
    }),
  ],
});
sdk.start();

const logger = logs.getLogger(service, version);
const meter = metrics.getMeter(service, version);
const duration = meter.createHistogram('http.server.request.duration', {
  unit: 's',
  description: 'Duration of HTTP server requests.',
  advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5] },
});
const orders = meter.createCounter('shop.orders.placed', { unit: '{order}', description: 'Orders placed' });
let inFlight = 0;
meter
  .createObservableGauge('http.server.active_requests', { unit: '{request}' })
  .addCallback((r) => r.observe(inFlight));

interface Route {
  method: string;
  route: string;
  /** Typical latency in ms and the share of 5xx answers. */
  latencyMs: number;
  errorRate: number;
  weight: number;
}

const ROUTES: Route[] = [
  { method: 'GET', route: '/api/products', latencyMs: 25, errorRate: 0.002, weight: 6 },
  { method: 'GET', route: '/api/cart', latencyMs: 15, errorRate: 0.001, weight: 4 },
  { method: 'POST', route: '/api/cart/items', latencyMs: 40, errorRate: 0.005, weight: 2 },
  { method: 'POST', route: '/api/checkout', latencyMs: 180, errorRate: 0.02, weight: 1 },
];
const ERRORS = [
  'payment provider timeout after 3000 ms',
  'inventory service returned 503',
  'deadlock detected while updating order',
  'card declined: insufficient funds',
];

function pick(): Route {
  const total = ROUTES.reduce((n, r) => n + r.weight, 0);
  let x = Math.random() * total;
  for (const r of ROUTES) {
    x -= r.weight;
    if (x <= 0) return r;
  }
  return ROUTES[0] as Route;
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const started = performance.now();
  inFlight++;
  const route = ROUTES.find((r) => req.url === r.route && req.method === r.method);
  const latency = route ? regression * route.latencyMs * (0.5 + Math.random() * Math.random() * 4) : 2;
  setTimeout(() => {
    inFlight--;
    const failed = route ? Math.random() < route.errorRate * regression : false;
    const status = !route
      ? 404
      : failed
        ? Math.random() < 0.8
          ? 500
          : 503
        : req.method === 'POST'
          ? 201
          : 200;
    res.writeHead(status).end();
    const seconds = (performance.now() - started) / 1000;
    const attributes = {
      'http.request.method': req.method ?? 'GET',
      'http.route': route?.route ?? 'unmatched',
      'http.response.status_code': status,
    };
    duration.record(seconds, attributes);
    const userId = `u-${randomInt(1, 5000)}`;
    if (status >= 500) {
      logger.emit({
        severityNumber: SeverityNumber.ERROR,
        severityText: 'ERROR',
        body: `${req.method} ${route?.route} failed: ${ERRORS[randomInt(ERRORS.length)]}`,
        attributes: { ...attributes, 'user.id': userId, duration_ms: Math.round(seconds * 1000) },
      });
    } else {
      if (route?.route === '/api/checkout') {
        orders.add(1, { 'payment.method': Math.random() < 0.7 ? 'card' : 'paypal' });
        logger.emit({
          severityNumber: SeverityNumber.INFO,
          severityText: 'INFO',
          body: `order ${randomUUID().slice(0, 8)} placed by ${userId}`,
          attributes: { ...attributes, 'user.id': userId },
        });
      }
      if (Math.random() < 0.3) {
        logger.emit({
          severityNumber: seconds > 0.5 ? SeverityNumber.WARN : SeverityNumber.INFO,
          severityText: seconds > 0.5 ? 'WARN' : 'INFO',
          body: `${req.method} ${req.url} ${status} in ${Math.round(seconds * 1000)} ms`,
          attributes: { ...attributes, 'user.id': userId, duration_ms: Math.round(seconds * 1000) },
        });
      }
    }
  }, latency);
}

const server = createServer(handle);
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  logger.emit({ severityNumber: SeverityNumber.INFO, body: `${service} ${version} started on port ${port}` });
  // Traffic: about 20 requests per second, with a slow daily-like wave.
  const timer = setInterval(() => {
    const r = pick();
    const req = httpRequest({ host: '127.0.0.1', port, path: r.route, method: r.method });
    req.on('error', () => undefined);
    req.end();
  }, 50);
  const stop = (): void => {
    clearInterval(timer);
    server.close();
    sdk
      .shutdown()
      .catch(() => undefined)
      .finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
});
