import { mkdtemp, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  connectClickHouse,
  findClickHouseBinary,
  ident,
  migrate,
  sql,
  startLocalClickHouse,
  type Db,
  type LocalClickHouse,
} from '@obshub/core';

/**
 * Where `hub rules test` runs the evaluator: CLICKHOUSE_URL when set (a
 * temporary database per test, dropped afterwards), otherwise a throwaway
 * local ClickHouse started for the run and stopped at the end.
 */
export class NoClickHouse extends Error {}

export interface TestServer {
  /** A fresh, migrated database; drop() removes it. */
  database(): Promise<{ db: Db; drop(): Promise<void> }>;
  stop(): Promise<void>;
}

export async function testServer(clickhouseUrl: string | undefined): Promise<TestServer> {
  let local: LocalClickHouse | undefined;
  let dir: string | undefined;
  let url = clickhouseUrl;
  if (!url) {
    if (!findClickHouseBinary()) {
      throw new NoClickHouse(
        'hub rules test needs ClickHouse: set CLICKHOUSE_URL, or install clickhouse-server (apt-get install clickhouse-server) for a throwaway local one',
      );
    }
    dir = await mkdtemp(path.join(tmpdir(), 'hub-rules-test-'));
    local = await startLocalClickHouse({ dataDir: dir });
    url = local.url;
  }
  const serverUrl = url;
  return {
    async database() {
      const database = `hub_rules_test_${randomBytes(6).toString('hex')}`;
      const db = await connectClickHouse({
        url: serverUrl,
        database,
        username: 'default',
        password: '',
        createDatabase: true,
      });
      await migrate(db, { logsDays: 3650, metricsDays: 3650 });
      return {
        db,
        drop: async () => {
          await db.command(sql`DROP DATABASE IF EXISTS ${ident(database)}`);
          await db.close();
        },
      };
    },
    async stop() {
      await local?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}
