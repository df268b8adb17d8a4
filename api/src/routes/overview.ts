import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import { int, sql, type Db } from '@obshub/core';

const ServiceSummary = Type.Object({
  service: Type.String(),
  environment: Type.String(),
  logRecords: Type.Number(),
  errorRecords: Type.Number(),
  lastSeen: Type.String({ description: 'UTC, YYYY-MM-DD hh:mm:ss' }),
});
const Overview = Type.Object({
  windowMinutes: Type.Integer(),
  services: Type.Array(ServiceSummary),
  metricSeries: Type.Number(),
  metricSamples: Type.Number(),
});
type Overview = Static<typeof Overview>;

const Query = Type.Object({ minutes: Type.Integer({ minimum: 1, maximum: 1440, default: 60 }) });

/** What arrived recently, per service: the first thing a newcomer looks at after `npm start -- --demo`. */
export async function overview(db: Db, minutes: number): Promise<Overview> {
  const settings = { max_execution_time: 10, max_result_rows: 10_000 };
  const services = await db.query<{ s: string; e: string; n: string; err: string; last: string }>(
    sql`SELECT service_name AS s, environment AS e, count() AS n, countIf(severity_number >= 17) AS err, toString(max(timestamp)) AS last
        FROM logs WHERE timestamp >= now() - ${int(minutes * 60, 60, 86_400)}
        GROUP BY s, e ORDER BY n DESC LIMIT 500`,
    { settings },
  );
  const [series] = await db.query<{ n: string }>(sql`SELECT uniq(fingerprint) AS n FROM metric_series`, {
    settings,
  });
  const [samples] = await db.query<{ n: string }>(
    sql`SELECT count() AS n FROM metric_samples WHERE timestamp >= now() - ${int(minutes * 60, 60, 86_400)}`,
    { settings },
  );
  return {
    windowMinutes: minutes,
    services: services.map((r) => ({
      service: r.s,
      environment: r.e,
      logRecords: Number(r.n),
      errorRecords: Number(r.err),
      lastSeen: r.last,
    })),
    metricSeries: Number(series?.n ?? 0),
    metricSamples: Number(samples?.n ?? 0),
  };
}

export function overviewRoutes(db: Db): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/api/overview',
      {
        schema: {
          tags: ['overview'],
          summary: 'Services seen recently with log volume and errors, and metric totals',
          querystring: Query,
          response: { 200: Overview },
        },
      },
      async (request) => overview(db, request.query.minutes),
    );
  };
}
