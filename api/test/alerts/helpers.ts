import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { join, sql, type Db } from '../../../core/src/index.ts';
import { loadRules } from '../../src/alerts/rules/index.ts';
import type { RuleSet } from '../../src/alerts/rules/model.ts';
import type { AlertNotice, AlertPublisher } from '../../src/alerts/notice.ts';

/** Rules from YAML text, loaded as the hub loads them (a temporary folder). */
export async function rulesFrom(yaml: string): Promise<RuleSet> {
  const dir = await mkdtemp(path.join(tmpdir(), 'hub-alert-rules-'));
  try {
    await writeFile(path.join(dir, 'rules.yaml'), yaml);
    const result = await loadRules([dir]);
    if (result.ruleSet === null) throw new Error(result.errors.map((e) => e.message).join('\n'));
    return result.ruleSet;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface LogRow {
  /** Epoch ms. */
  t: number;
  service: string;
  env?: string;
  version?: string;
  host?: string;
  severity?: number;
  body?: string;
}

let nextId = 1;

/** Inserts log records directly (all columns the rules read). */
export async function insertLogs(db: Db, rows: readonly LogRow[]): Promise<void> {
  if (rows.length === 0) return;
  const values = rows.map(
    (r) =>
      sql`(${nextId++}, toDateTime(${Math.floor(r.t / 1000)}), ${BigInt(r.t) * 1_000_000n}, ${r.severity ?? 9},
        ${r.body ?? 'ok'}, ${r.service}, ${r.env ?? 'production'}, ${r.version ?? '1.0'}, ${r.host ?? 'h1'})`,
  );
  await db.command(
    sql`INSERT INTO logs (id, timestamp, time_unix_nano, severity_number, body, service_name, environment, service_version, host_name) VALUES ${join(values, ', ')}`,
  );
}

/** A publisher that records every publication. */
export class RecordingPublisher implements AlertPublisher {
  readonly calls: Array<{ group: string; notices: readonly AlertNotice[]; at: number }> = [];
  async publish(group: string, notices: readonly AlertNotice[], at: number): Promise<void> {
    this.calls.push({ group, notices, at });
  }
  last(group?: string): readonly AlertNotice[] {
    const calls = group === undefined ? this.calls : this.calls.filter((c) => c.group === group);
    return calls[calls.length - 1]?.notices ?? [];
  }
}

export const MIN = 60_000;
/** An hour-aligned time about three hours ago. */
export const T0 = Math.floor((Date.now() - 3 * 3_600_000) / 3_600_000) * 3_600_000;
