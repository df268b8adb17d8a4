import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../core/src/index.ts';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import { eventually, startTestCollector, type TestCollector } from '../../test/helpers/collector.ts';

describe('collector smoke', () => {
  let t: TestDb;
  let c: TestCollector;
  beforeAll(async () => {
    t = await createTestDb();
    c = await startTestCollector(t.db);
  });
  afterAll(async () => {
    await c.stop();
    await t.drop();
  });

  it('stores a JSON log record', async () => {
    const body = {
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'smoke' } }] },
          scopeLogs: [
            {
              logRecords: [
                { timeUnixNano: '1700000000123456789', severityNumber: 17, body: { stringValue: 'boom' } },
              ],
            },
          ],
        },
      ],
    };
    const res = await fetch(`${c.httpUrl}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
    await eventually(async () => (await t.db.query(sql`SELECT * FROM logs`)).length === 1);
    const [row] = await t.db.query<Record<string, unknown>>(sql`SELECT * FROM logs`);
    expect(row).toMatchObject({
      service_name: 'smoke',
      severity_number: 17,
      severity_text: 'ERROR',
      body: 'boom',
      time_unix_nano: '1700000000123456789',
      timestamp: '2023-11-14 22:13:20',
    });
  });
});
