import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../core/src/index.ts';
import { clientGone } from '../src/common/run-query.ts';
import { buildApp } from '../src/index.ts';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';

/**
 * Queries are cancelled when the client goes away, and only then: a POST
 * whose body has been read must still run (the request's own "close" event
 * fires right after the body, which once aborted every POST query).
 */
describe('clientGone', () => {
  let server: Server;
  let port: number;
  const signals: AbortSignal[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      signals.push(clientGone(res));
      req.resume();
      req.on('end', () => {
        if (req.url === '/slow') setTimeout(() => res.end('late'), 2000).unref();
        else setTimeout(() => res.end('ok'), 50);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('does not fire for a POST that gets its answer', async () => {
    signals.length = 0;
    const res = await fetch(`http://127.0.0.1:${port}/fast`, { method: 'POST', body: 'x'.repeat(10_000) });
    expect(await res.text()).toBe('ok');
    expect(signals).toHaveLength(1);
    expect(signals[0]?.aborted).toBe(false);
  });

  it('fires when the client disconnects before the answer', async () => {
    signals.length = 0;
    const req = request({ host: '127.0.0.1', port, path: '/slow', method: 'POST' });
    req.on('error', () => undefined);
    req.end('body');
    await expect.poll(() => signals.length).toBe(1);
    req.destroy();
    await expect.poll(() => signals[0]?.aborted).toBe(true);
  });
});

describe('POST queries over a real socket', () => {
  let t: TestDb;
  let app: FastifyInstance;
  let base: string;

  beforeAll(async () => {
    t = await createTestDb();
    app = await buildApp({ db: t.db, logger: createLogger('test', 'silent') });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
  });

  afterAll(async () => {
    await app.close();
    await t.drop();
  });

  it('runs the query of a POST with a body instead of aborting it', async () => {
    const res = await fetch(`${base}/api/metrics/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ metric: 'no.such.metric', aggregation: 'avg' }),
    });
    // The metric does not exist: the query ran and found nothing (404), it was not cancelled (500).
    expect(res.status).toBe(404);
  });
});
