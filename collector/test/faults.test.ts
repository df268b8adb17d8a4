import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { copyFile, link, readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectClickHouse,
  freePort,
  migrate,
  sql,
  startLocalClickHouse,
  type Db,
  type LocalClickHouse,
} from '../../core/src/index.ts';
import { eventually, startTestCollector } from '../../test/helpers/collector.ts';
import {
  health,
  killAllChildCollectors,
  startChildCollector,
  type ChildCollector,
} from './helpers/child-collector.ts';
import { faultyDb, type InsertFault } from './helpers/faulty-db.ts';
import { LogLoad, defaultTimeNs, type LoadReport } from './helpers/log-load.ts';

/**
 * "Never loses what it acknowledged", against real processes: a private
 * ClickHouse server that is stopped and killed under load, the collector
 * process killed with SIGKILL and stopped with SIGTERM, and INSERTs that fail
 * ambiguously. Each test loads the collector with concurrent OTLP/HTTP senders
 * that record which records got 200, then reads back every stored body.
 */

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const tempDirs: string[] = [];
function tempDir(prefix: string, parent = tmpdir()): string {
  const dir = mkdtempSync(path.join(parent, prefix));
  tempDirs.push(dir);
  return dir;
}

/**
 * One private ClickHouse for the whole file: the outage tests stop and kill it,
 * and nothing here adds load to the server other test files share. Its data is
 * on tmpfs when there is one: the tests leave ~20k part files, and deleting them
 * (or dropping databases) on this disk, mounted with `discard`, took 15-60 s.
 * Files on tmpfs outlive a killed process just the same.
 */
let ch: LocalClickHouse | undefined;
let chDir = '';
/** False while a test has ClickHouse stopped; the next test restarts it if a failure left it down. */
let chUp = false;

async function startClickHouse(): Promise<LocalClickHouse> {
  ch = await startLocalClickHouse({
    dataDir: chDir,
    ...(ch ? { httpPort: ch.httpPort, tcpPort: ch.tcpPort } : {}),
  });
  chUp = true;
  return ch;
}

async function clickhouse(): Promise<LocalClickHouse> {
  return chUp && ch ? ch : startClickHouse();
}

const connections: Db[] = [];
async function freshDb(): Promise<Db> {
  const db = await connectClickHouse({
    url: (await clickhouse()).url,
    database: `faults_${randomBytes(5).toString('hex')}`,
    username: 'default',
    password: '',
    createDatabase: true,
  });
  connections.push(db);
  await migrate(db, { logsDays: 14, metricsDays: 30 });
  return db;
}

async function storedCounts(db: Db): Promise<Map<string, number>> {
  const rows = await db.query<{ body: string; c: string }>(
    sql`SELECT body, count() AS c FROM logs GROUP BY body`,
  );
  return new Map(rows.map((r) => [r.body, Number(r.c)]));
}

/**
 * Every acknowledged record stored exactly once; nothing stored that was never
 * sent; no record stored twice, except (when a process died) one whose request
 * got no answer: it may have been durable before the crash and resent after.
 */
async function expectExactlyOnce(
  db: Db,
  report: LoadReport,
  options: { unansweredMayRepeat: boolean },
): Promise<void> {
  const counts = await storedCounts(db);
  const missing = [...report.acked].filter((b) => !counts.has(b));
  const repeated = [...counts].filter(
    ([b, c]) => c > 1 && !(options.unansweredMayRepeat && c === 2 && report.uncertain.has(b)),
  );
  const unknown = [...counts.keys()].filter((b) => !report.sent.has(b));
  expect(report.acked.size).toBeGreaterThan(1000);
  expect({
    missing: missing.length,
    missingSample: missing.slice(0, 5),
    repeated: repeated.length,
    repeatedSample: repeated.slice(0, 5),
    unknown: unknown.slice(0, 5),
  }).toEqual({ missing: 0, missingSample: [], repeated: 0, repeatedSample: [], unknown: [] });
}

async function walFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n.endsWith('.wal')).sort();
}

beforeAll(async () => {
  chDir = tempDir('hub-faults-ch-', existsSync('/dev/shm') ? '/dev/shm' : tmpdir());
  await startClickHouse();
});

afterAll(async () => {
  await killAllChildCollectors();
  for (const db of connections.splice(0)) await db.close().catch(() => undefined);
  await ch?.kill();
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('ClickHouse outage under load (in-process collector)', () => {
  async function outage(how: 'stop' | 'kill'): Promise<void> {
    const db = await freshDb();
    const c = await startTestCollector(db, { flushIntervalMs: 100, retryAfterSeconds: 1 });
    try {
      const load = new LogLoad({ url: c.httpUrl, senders: 6, recordsPerRequest: 25, pauseMs: 5 }).start();
      let report: LoadReport;
      try {
        await load.waitForAcks(3000);
        const server = await clickhouse();
        chUp = false;
        if (how === 'kill') {
          // SIGKILL while an INSERT is on the wire: it may land, in part (two partitions), or not at all.
          const deadline = Date.now() + 5000;
          while (c.collector.pipeline.stats().insertsInFlight === 0 && Date.now() < deadline) await sleep(1);
          await server.kill();
        } else {
          // 18.16 closes its listening sockets at once but serves open keep-alive connections
          // while it shuts down (8 s idle, longer under load, measured): stop() waits up to
          // 15 s, then SIGKILLs. The collector sees in-flight INSERTs finish, then refusals.
          await server.stop();
        }
        await sleep(3000);
        await startClickHouse(); // same ports and data
        // Acknowledgements resume once the backlog starts landing again.
        await load.waitForAcks(1000, 30_000);
        await sleep(500);
      } finally {
        report = await load.stop();
      }
      await eventually(
        async () => c.collector.pipeline.stats().pendingRows === 0,
        30_000,
        'the backlog to be inserted',
      );
      expect(report.unexpected).toEqual([]);
      // The outage was visible to clients as "retry later", with a Retry-After.
      expect((report.retryable.get(503) ?? 0) + (report.retryable.get(429) ?? 0)).toBeGreaterThan(0);
      expect([...report.retryAfter]).toEqual(['1']);
      await expectExactlyOnce(db, report, { unansweredMayRepeat: false });
      expect(await walFiles(c.walDir)).toEqual([]);
    } finally {
      await clickhouse(); // a failed test must not leave the next one without a server
      await c.stop();
    }
  }

  it('ClickHouse stopped (SIGTERM) and restarted: acknowledged records land exactly once', async () => {
    await outage('stop');
  });

  it('ClickHouse killed (SIGKILL) mid-insert and restarted: acknowledged records land exactly once', async () => {
    await outage('kill');
  });
});

describe('ambiguous INSERT failures (real ClickHouse, fault injected at the writer)', () => {
  /** 2200-01-01: past the DateTime range (2106), so the row's timestamp is clamped. */
  const FAR_FUTURE_NS = 7_258_118_400n * 1_000_000_000n;
  const cases: Array<{
    name: string;
    faults: InsertFault[];
    timeNs?: (client: number, seq: number) => bigint;
  }> = [
    {
      name: 'an INSERT that landed but whose answer was lost is not inserted again',
      faults: ['lose-answer'],
    },
    {
      name: 'an INSERT that landed in part (twice) is completed exactly once',
      faults: ['cut-body', 'cut-body'],
    },
    {
      name: 'a record timestamped past 2106 does not defeat the reconcile of its batch',
      faults: ['lose-answer', 'cut-body'],
      timeNs: (client, seq) =>
        client === 0 && seq < 5 ? FAR_FUTURE_NS + BigInt(seq) : defaultTimeNs(client, seq),
    },
  ];
  for (const { name, faults, timeNs } of cases) {
    it(name, async () => {
      const db = await freshDb();
      const faulty = faultyDb(db, (await clickhouse()).url);
      faulty.planned.push(...faults);
      const c = await startTestCollector(faulty.db, { flushIntervalMs: 100, maxConcurrentInserts: 1 });
      try {
        const load = new LogLoad({
          url: c.httpUrl,
          senders: 4,
          recordsPerRequest: 25,
          pauseMs: 5,
          ...(timeNs ? { timeNs } : {}),
        }).start();
        let report: LoadReport;
        try {
          await load.waitForAcks(3000);
        } finally {
          report = await load.stop();
        }
        await eventually(
          async () => c.collector.pipeline.stats().pendingRows === 0,
          30_000,
          'the batches to be inserted',
        );
        expect(faulty.applied).toEqual(faults);
        // The faults were what they claim: the whole batch landed, or a part of it.
        for (const o of faulty.observed) {
          const rows = await faulty.countIds('logs', o.firstId, o.lastId);
          if (o.fault === 'lose-answer') expect(o.landed).toBe(rows);
          else expect([o.landed > 0, o.landed < rows]).toEqual([true, true]);
        }
        expect(report.unexpected).toEqual([]);
        await expectExactlyOnce(db, report, { unansweredMayRepeat: false });
      } finally {
        await c.stop();
      }
    });
  }
});

describe('write-ahead log failures (in-process collector)', () => {
  it('a WAL folder that cannot be written: 503 (retry later), nothing acknowledged lost, recovers', async () => {
    const db = await freshDb();
    const c = await startTestCollector(db, { flushIntervalMs: 100, retryAfterSeconds: 1 });
    try {
      const load = new LogLoad({ url: c.httpUrl, senders: 4, recordsPerRequest: 25, pauseMs: 5 }).start();
      let report: LoadReport;
      try {
        await load.waitForAcks(1000);
        // New batches cannot create their WAL file: nothing can be made durable, so nothing acknowledged.
        rmSync(c.walDir, { recursive: true, force: true });
        await eventually(async () => (load.report.retryable.get(503) ?? 0) >= 8, 10_000, 'refusals');
        mkdirSync(c.walDir);
        await load.waitForAcks(1000, 10_000);
      } finally {
        report = await load.stop();
      }
      await eventually(
        async () => c.collector.pipeline.stats().pendingRows === 0,
        30_000,
        'the batches to be inserted',
      );
      expect(report.unexpected).toEqual([]);
      expect([...report.retryAfter]).toEqual(['1']);
      await expectExactlyOnce(db, report, { unansweredMayRepeat: false });
    } finally {
      await c.stop();
    }
  });
});

describe('collector process faults (child process)', () => {
  async function collectorEnv(
    db: Db,
    walDir: string,
    flushIntervalMs: number,
  ): Promise<Record<string, string>> {
    return {
      CLICKHOUSE_URL: (await clickhouse()).url,
      CLICKHOUSE_DATABASE: db.database,
      HUB_COLLECTOR_HOST: '127.0.0.1',
      HUB_COLLECTOR_HTTP_PORT: String(await freePort()),
      HUB_COLLECTOR_GRPC_PORT: String(await freePort()),
      HUB_COLLECTOR_WAL_DIR: walDir,
      HUB_COLLECTOR_FLUSH_INTERVAL_MS: String(flushIntervalMs),
      HUB_SELF_TELEMETRY: 'false',
      HUB_LOG_LEVEL: 'warn',
    };
  }

  /**
   * Hard-links every WAL file as soon as it appears: the link keeps a batch's
   * full contents after the collector deletes the file (after its INSERT), so the
   * test can put it back and replay the "crashed between INSERT and delete" case.
   */
  function keepWalFiles(walDir: string, saveDir: string): { stop(): Promise<void> } {
    let stopped = false;
    const loop = (async () => {
      const seen = new Set<string>();
      while (!stopped) {
        for (const name of await walFiles(walDir).catch(() => [])) {
          if (seen.has(name)) continue;
          seen.add(name);
          await link(path.join(walDir, name), path.join(saveDir, name)).catch(() => seen.delete(name));
        }
        await sleep(10);
      }
    })();
    return {
      async stop() {
        stopped = true;
        await loop;
      },
    };
  }

  it('kill -9 under load: the WAL replay stores every acknowledged record exactly once', async () => {
    const db = await freshDb();
    const walDir = tempDir('hub-faults-wal-');
    const saveDir = tempDir('hub-faults-saved-');
    // A 2 s flush interval: acknowledged rows sit in the WAL when the process dies.
    const env = await collectorEnv(db, walDir, 2000);
    let child: ChildCollector = await startChildCollector(env);
    const keeper = keepWalFiles(walDir, saveDir);
    const load = new LogLoad({ url: () => child.url, senders: 8, recordsPerRequest: 20, pauseMs: 2 }).start();
    let report: LoadReport;
    let pendingFiles: string[];
    let restored: string[];
    try {
      await load.waitForAcks(2000);
      await sleep(4500); // two flush intervals: some batches inserted (WAL deleted), one still open
      child.proc.kill('SIGKILL');
      expect(await child.exited).toEqual({ code: null, signal: 'SIGKILL' });
      await keeper.stop();

      // Batches whose rows were acknowledged but not inserted when the process died.
      pendingFiles = [];
      for (const name of await walFiles(walDir)) {
        if ((await stat(path.join(walDir, name))).size > 0) pendingFiles.push(name);
      }
      // Put back the WAL of batches already inserted: as if the crash came after the INSERT, before the delete.
      const present = new Set(await walFiles(walDir));
      restored = [];
      for (const name of await walFiles(saveDir)) {
        if (present.has(name) || (await stat(path.join(saveDir, name))).size === 0) continue;
        await copyFile(path.join(saveDir, name), path.join(walDir, name));
        restored.push(name);
      }

      child = await startChildCollector(env);
      await load.waitForAcks(1000, 30_000);
      await sleep(500);
    } finally {
      report = await load.stop();
      await keeper.stop();
    }
    expect(pendingFiles.length).toBeGreaterThan(0);
    expect(restored.filter((n) => n.startsWith('logs.')).length).toBeGreaterThan(0);
    await eventually(
      async () => {
        const h = await health(child);
        return h.pendingRows === 0 && h.sealedBatches === 0 && h.insertsInFlight === 0;
      },
      30_000,
      'the WAL replay and the last batches to be inserted',
    );
    expect(report.unexpected).toEqual([]);
    expect(report.connectionErrors).toBeGreaterThan(0);
    await expectExactlyOnce(db, report, { unansweredMayRepeat: true });
    // Every stored record's resource is stored too (log_resources rows replay from the WAL as well).
    const orphans = await db.query<{ c: string }>(
      sql`SELECT count() AS c FROM logs WHERE resource_fingerprint NOT IN (SELECT fingerprint FROM log_resources)`,
    );
    expect(orphans).toEqual([{ c: '0' }]);

    child.proc.kill('SIGTERM');
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(await walFiles(walDir)).toEqual([]);
  });

  it('SIGTERM under load: flushes what it acknowledged, then exits 0', async () => {
    const db = await freshDb();
    const walDir = tempDir('hub-faults-wal-');
    // Nothing would be inserted for a minute: only the shutdown flush can store these rows.
    const child = await startChildCollector(await collectorEnv(db, walDir, 60_000));
    const load = new LogLoad({ url: child.url, senders: 6, recordsPerRequest: 20, pauseMs: 2 }).start();
    let report: LoadReport;
    let exit: { code: number | null; signal: NodeJS.Signals | null };
    try {
      await load.waitForAcks(3000);
      expect((await health(child)).pendingRows).toBeGreaterThan(0);
      child.proc.kill('SIGTERM');
      exit = await child.exited;
    } finally {
      report = await load.stop();
    }
    expect(exit, child.output()).toEqual({ code: 0, signal: null });
    expect(report.unexpected).toEqual([]);
    // Stored before the process exited: no waiting here.
    await expectExactlyOnce(db, report, { unansweredMayRepeat: false });
    expect(await walFiles(walDir)).toEqual([]);
  });
});
