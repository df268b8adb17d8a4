import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Db } from '@obshub/core';

const Health = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
  clickhouse: Type.Object({ reachable: Type.Boolean(), version: Type.String() }),
});

/** GET /health: liveness plus whether ClickHouse answers (for load balancers and compose health checks). */
export function healthRoutes(db: Db): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/health',
      {
        schema: {
          tags: ['system'],
          summary: 'Health of the API and its ClickHouse',
          response: { 200: Health },
        },
      },
      async () => {
        const reachable = await db.ping();
        return {
          status: reachable ? ('ok' as const) : ('degraded' as const),
          clickhouse: { reachable, version: db.capabilities.version },
        };
      },
    );
  };
}
