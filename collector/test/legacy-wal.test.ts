import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger, sql } from '../../core/src/index.ts';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import { IngestPipeline, decodeLogsProto, newBatchKey } from '../src/index.ts';
import { RowWriter } from '../src/otlp/row-writer.ts';
import { decodeContext } from './helpers/decode-context.ts';
import { encodeLogsProto, logsRequest, simpleLog } from './helpers/otlp-model.ts';
import { selectLogRows } from './helpers/stored-rows.ts';

/**
 * A logs WAL file left by a collector from before log_resources (rows ending with
 * the resource arrays, file named without the layout mark) is replayed with the
 * columns it was written for, and its resources reach log_resources.
 */

const dirs: string[] = [];
let t: TestDb | undefined;
afterAll(async () => {
  await t?.drop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('WAL from before log_resources', () => {
  it('replays legacy logs rows with their resource', async () => {
    t = await createTestDb();
    const key = newBatchKey();
    const received = 1_700_000_100n * 1_000_000_000n;
    const outcome = decodeLogsProto(
      encodeLogsProto(logsRequest('legacy-svc', [simpleLog('old row')])),
      decodeContext(key, received),
    );
    const logs = outcome.tables.logs;
    if (!logs) throw new Error('no row decoded');
    // The old layout: the row without its trailing fingerprint, then the resource arrays.
    const w = new RowWriter(256);
    w.raw(logs.bytes.subarray(0, logs.bytes.length - 8));
    w.stringArray(['service.name']);
    w.stringArray(['legacy-svc']);
    const payload = w.take();
    const header = Buffer.alloc(20);
    header.writeUInt32LE(payload.length, 0);
    header.writeUInt32LE(1, 4);
    header.writeUInt32LE(crc32(payload), 8);
    header.writeUInt32LE(logs.minTs, 12);
    header.writeUInt32LE(logs.maxTs, 16);
    const walDir = mkdtempSync(path.join(tmpdir(), 'legacy-wal-'));
    dirs.push(walDir);
    writeFileSync(
      path.join(walDir, `logs.${key.toString(16).padStart(10, '0')}.wal`),
      Buffer.concat([header, payload]),
    );

    const pipeline = new IngestPipeline(
      t.db,
      {
        walDir,
        walFsync: false,
        flushRows: 1000,
        flushBytes: 1 << 20,
        flushIntervalMs: 50,
        maxPendingBytes: 1 << 26,
        maxConcurrentInserts: 2,
        retryAfterSeconds: 1,
        maxBodyBytes: 1 << 20,
      },
      createLogger('legacy-wal-test', 'silent'),
    );
    try {
      expect(await pipeline.start()).toBe(1);
    } finally {
      await pipeline.stop(5000);
    }
    expect(pipeline.stats().insertedRows.logs).toBe(1);
    const rows = await selectLogRows(t.db, sql`service_name = ${'legacy-svc'}`);
    expect(rows.map((r) => [r.body, r.resource_keys, r.resource_values])).toEqual([
      ['old row', ['service.name'], ['legacy-svc']],
    ]);
  });
});
