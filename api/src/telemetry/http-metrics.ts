import { metrics } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';

/**
 * Records the semantic-convention HTTP server histogram
 * (http.server.request.duration, seconds) for every API request, so the hub's
 * own API has request rate, error rate and latency in the hub.
 */
export function recordHttpMetrics(app: FastifyInstance): void {
  const histogram = metrics.getMeter('hub-api').createHistogram('http.server.request.duration', {
    unit: 's',
    description: 'Duration of HTTP server requests.',
    advice: {
      explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
    },
  });
  app.addHook('onResponse', (request, reply, done) => {
    histogram.record(reply.elapsedTime / 1000, {
      'http.request.method': request.method,
      'http.route': request.routeOptions.url ?? 'unmatched',
      'http.response.status_code': reply.statusCode,
    });
    done();
  });
}
