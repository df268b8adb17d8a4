import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Db } from '@obshub/core';
import { clientGone } from '../common/run-query.ts';
import { parseRange } from '../common/time-range.ts';
import { ApiError } from '../logs/schemas.ts';
import { listMetrics, metricLabels } from './catalog.ts';
import { queryMetric } from './query.ts';
import { serviceRed } from './red.ts';
import {
  MetricLabelsQuery,
  MetricLabelsResult,
  MetricQuery,
  MetricQueryResult,
  MetricsListQuery,
  MetricsListResult,
  RedQuery,
  RedResult,
} from './schemas.ts';

const errors = { 400: ApiError, 401: ApiError, 404: ApiError };
const ServiceParams = Type.Object({ service: Type.String({ minLength: 1, maxLength: 256 }) });

/** The metrics API: catalog, labels, queries, and a service's RED figures. */
export function metricsRoutes(db: Db): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/api/metrics',
      {
        schema: {
          tags: ['metrics'],
          summary: 'Metric names of a service (or all visible services) seen in the range',
          querystring: MetricsListQuery,
          response: { 200: MetricsListResult, ...errors },
        },
      },
      async (request, reply) => listMetrics(db, request.principal, request.query, clientGone(reply.raw)),
    );

    app.get(
      '/api/metrics/labels',
      {
        schema: {
          tags: ['metrics'],
          summary: "Label keys of a metric's series and their most common values",
          querystring: MetricLabelsQuery,
          response: { 200: MetricLabelsResult, ...errors },
        },
      },
      async (request, reply) => metricLabels(db, request.principal, request.query, clientGone(reply.raw)),
    );

    app.post(
      '/api/metrics/query',
      {
        schema: {
          tags: ['metrics'],
          summary: 'One metric over time: matchers, group-by, aggregation; aligned steps, null for gaps',
          body: MetricQuery,
          response: { 200: MetricQueryResult, ...errors },
        },
      },
      async (request, reply) => queryMetric(db, request.principal, request.body, clientGone(reply.raw)),
    );

    app.get(
      '/api/services/:service/red',
      {
        schema: {
          tags: ['services'],
          summary: 'Request rate, error ratio, latency quantiles and error-log rate of a service',
          params: ServiceParams,
          querystring: RedQuery,
          response: { 200: RedResult, ...errors },
        },
      },
      async (request, reply) => {
        const range = parseRange(request.query.from, request.query.to);
        return serviceRed(
          db,
          request.principal,
          request.params.service,
          {
            environment: request.query.environment,
            fromMs: range.fromMs,
            toMs: range.toMs,
            step: request.query.step,
            by: request.query.by,
          },
          clientGone(reply.raw),
        );
      },
    );
  };
}
