import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Db } from '@obshub/core';
import { logFacets } from './facets.ts';
import { logHistogram } from './histogram.ts';
import { getRecord, recordContext } from './record.ts';
import { clientGone } from '../common/run-query.ts';
import {
  ApiError,
  ContextQuery,
  ContextResult,
  FacetsQuery,
  FacetsResult,
  HistogramQuery,
  HistogramResult,
  LogRecord,
  SearchQuery,
  SearchResult,
  ServicesResult,
  TailQuery,
} from './schemas.ts';
import { searchLogs } from './search.ts';
import { listServices } from './services.ts';
import { tailLogs, type TailOptions } from './tail.ts';

const errors = { 400: ApiError, 401: ApiError, 404: ApiError };
const RecordParams = Type.Object({ id: Type.String({ maxLength: 2048 }) });

/** The logs API: search, histogram, facets, record, context, live tail, services catalog. */
export function logsRoutes(db: Db, tail: Partial<TailOptions> = {}): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/api/logs/search',
      {
        schema: {
          tags: ['logs'],
          summary: 'Search log records, newest first, with cursor pagination',
          querystring: SearchQuery,
          response: { 200: SearchResult, ...errors },
        },
      },
      async (request, reply) => searchLogs(db, request.principal, request.query, clientGone(reply.raw)),
    );

    app.get(
      '/api/logs/histogram',
      {
        schema: {
          tags: ['logs'],
          summary: 'Record counts over time by severity',
          querystring: HistogramQuery,
          response: { 200: HistogramResult, ...errors },
        },
      },
      async (request, reply) => logHistogram(db, request.principal, request.query, clientGone(reply.raw)),
    );

    app.get(
      '/api/logs/facets',
      {
        schema: {
          tags: ['logs'],
          summary: 'Top values of a field among the matching records',
          querystring: FacetsQuery,
          response: { 200: FacetsResult, ...errors },
        },
      },
      async (request, reply) => logFacets(db, request.principal, request.query, clientGone(reply.raw)),
    );

    app.get(
      '/api/logs/records/:id',
      {
        schema: {
          tags: ['logs'],
          summary: 'One log record with every field',
          params: RecordParams,
          response: { 200: LogRecord, ...errors },
        },
      },
      async (request, reply) => getRecord(db, request.principal, request.params.id, clientGone(reply.raw)),
    );

    app.get(
      '/api/logs/records/:id/context',
      {
        schema: {
          tags: ['logs'],
          summary: 'Records before and after one record, from the same service instance',
          params: RecordParams,
          querystring: ContextQuery,
          response: { 200: ContextResult, ...errors },
        },
      },
      async (request, reply) =>
        recordContext(db, request.principal, request.params.id, request.query, clientGone(reply.raw)),
    );

    app.get(
      '/api/logs/tail',
      {
        schema: {
          tags: ['logs'],
          summary: 'Live tail (Server-Sent Events: `record` events carrying a LogRecord)',
          querystring: TailQuery,
        },
      },
      (request, reply) => tailLogs(db, request.principal, request.query.q, request, reply, tail),
    );

    app.get(
      '/api/services',
      {
        schema: {
          tags: ['services'],
          summary: 'Services the caller may see, with environments, versions, volume and error ratio',
          response: { 200: ServicesResult, 401: ApiError },
        },
      },
      async (request, reply) => listServices(db, request.principal, clientGone(reply.raw)),
    );
  };
}
