import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { connectClickHouse, migrate, sql, ident, type Db } from '../../core/src/index.ts';

export interface TestDb {
  db: Db;
  url: string;
  database: string;
  drop(): Promise<void>;
}

export function clickhouseUrl(): string {
  return inject('clickhouseUrl');
}

/** A fresh, migrated database on the shared test server. */
export async function createTestDb(options: { migrate?: boolean; url?: string } = {}): Promise<TestDb> {
  const url = options.url ?? clickhouseUrl();
  const database = `t_${randomBytes(6).toString('hex')}`;
  const db = await connectClickHouse({
    url,
    database,
    username: 'default',
    password: '',
    createDatabase: true,
  });
  if (options.migrate !== false) await migrate(db, { logsDays: 14, metricsDays: 30 });
  return {
    db,
    url,
    database,
    async drop() {
      await db.command(sql`DROP DATABASE IF EXISTS ${ident(database)}`);
      await db.close();
    },
  };
}
