import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createLogger } from '../../../core/src/index.ts';
import { buildApp } from '../../src/index.ts';
import { postWebhook } from '../../src/verifications/webhook.ts';
import { isMetadataAddress, webhookUrlProblem } from '../../src/verifications/webhook-guard.ts';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';

describe('completion webhook guard', () => {
  it('refuses link-local and metadata hosts and a query parameter, keeps ordinary URLs', () => {
    for (const url of [
      'http://169.254.169.254/latest/meta-data/',
      'http://[fd00:ec2::254]/',
      'http://[fe80::1]:8080/',
      'http://[::ffff:169.254.169.254]/',
      'http://metadata.google.internal/computeMetadata/v1/',
      'http://METADATA.google.internal./x',
      'http://100.100.100.200/',
      'http://clickhouse:8123/?query=DROP%20TABLE%20logs',
      'http://clickhouse:8123/?%71uery=SELECT%201',
    ]) {
      expect(webhookUrlProblem(url), url).not.toBeNull();
    }
    for (const url of [
      'https://ci.example.com/hooks/verdict?token=abc',
      'http://127.0.0.1:8080/verdict',
      'http://10.0.0.5/x',
      'http://[::1]:9000/',
    ]) {
      expect(webhookUrlProblem(url), url).toBeNull();
    }
    expect(isMetadataAddress('169.254.1.1')).toBe(true);
    expect(isMetadataAddress('169.25.1.1')).toBe(false);
  });

  it('postWebhook does not call a refused URL and reports why', async () => {
    const r = await postWebhook('http://169.254.169.254/latest/', { x: 1 }, 1000);
    expect(r.statusCode).toBeNull();
    expect(r.error).toMatch(/link-local or cloud metadata/);
  });

  describe('POST /api/verifications', () => {
    let t: TestDb;
    let app: FastifyInstance;
    let hook: Server;
    let port = 0;
    const bodies: unknown[] = [];
    beforeAll(async () => {
      t = await createTestDb();
      app = await buildApp({ db: t.db, logger: createLogger('test', 'silent') });
      hook = createServer((req, res) => {
        let data = '';
        req.on('data', (c: Buffer) => (data += c.toString()));
        req.on('end', () => {
          bodies.push(JSON.parse(data));
          res.end('ok');
        });
      });
      await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
      port = (hook.address() as AddressInfo).port;
    });
    afterAll(async () => {
      await app.close();
      await new Promise<void>((resolve) => hook.close(() => resolve()));
      await t.drop();
    });

    it('answers 400 for a metadata or ?query= webhook and stores nothing', async () => {
      for (const [id, webhookUrl] of [
        ['guard-1', 'http://169.254.169.254/latest/meta-data/'],
        ['guard-2', `http://127.0.0.1:${port}/?query=SELECT%201`],
      ] as const) {
        const res = await app.inject({
          method: 'POST',
          url: '/api/verifications',
          payload: { id, service: 'pay', version: '1.0', webhookUrl },
        });
        expect(res.statusCode, res.body).toBe(400);
        const body = res.json<{ code: string; error: string }>();
        expect(body.code).toBe('HUB_API_BAD_REQUEST');
        expect(body.error).toMatch(/webhookUrl/);
        const get = await app.inject({ url: `/api/verifications/${id}` });
        expect(get.statusCode).toBe(404);
      }
    });

    it('still accepts and delivers to an ordinary URL', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/api/verifications',
        payload: { id: 'guard-ok', service: 'pay', version: '1.0', webhookUrl: `http://127.0.0.1:${port}/v` },
      });
      expect(res.statusCode, res.body).toBe(201);
      const sent = await postWebhook(`http://127.0.0.1:${port}/v`, { event: 'x' }, 5000);
      expect(sent).toEqual({ statusCode: 200, error: null });
      expect(bodies).toEqual([{ event: 'x' }]);
    });
  });
});
