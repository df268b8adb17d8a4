import { pathToFileURL } from 'node:url';
import { connectClickHouse, type Db } from '../clickhouse/client.ts';
import { loadConfig } from '../config/load.ts';
import type { HubConfig } from '../config/schema.ts';
import { createLogger, type Logger } from '../logger.ts';
import { migrate } from '../schema/migrations.ts';
import { startSelfTelemetry, type SelfTelemetry } from '../telemetry/self.ts';

/**
 * What every hub process does before its own work: read the configuration,
 * start self-telemetry, wait for ClickHouse and apply migrations. Both the
 * collector and the API start through here.
 */
export interface HubProcess {
  config: HubConfig;
  log: Logger;
  db: Db;
  telemetry: SelfTelemetry;
}

export async function connectWithRetry(config: HubConfig, log: Logger): Promise<Db> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await connectClickHouse({ ...config.clickhouse, createDatabase: true });
    } catch (err) {
      if (attempt % 10 === 1) log.warn({ err: (err as Error).message }, 'waiting for ClickHouse');
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

export async function bootstrapProcess(serviceName: 'hub-collector' | 'hub-api'): Promise<HubProcess> {
  const config = loadConfig();
  if (!config.clickhouse.url) {
    throw new Error('CLICKHOUSE_URL is not set (npm start sets it for a local ClickHouse)');
  }
  const token = config.collector.authTokens[0];
  const telemetry = startSelfTelemetry({
    serviceName,
    serviceVersion: '0.1.0',
    environment: 'self',
    config: config.selfTelemetry,
    defaultEndpoint: `http://127.0.0.1:${config.collector.httpPort}`,
    ...(token ? { headers: { Authorization: `Bearer ${token}` } } : {}),
  });
  const log = createLogger(serviceName, config.logLevel);
  const db = await connectWithRetry(config, log);
  await migrate(db, config.retention);
  return { config, log, db, telemetry };
}

/**
 * Runs `stop` once on SIGINT or SIGTERM, then exits (0 when it resolved).
 * Self-telemetry is shut down by `stop` itself, in the order the process needs.
 */
export function onShutdown(log: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    stop()
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        log.error({ err: (err as Error).message }, 'unclean shutdown');
        process.exit(1);
      });
  };
  process.on('SIGINT', () => handler('SIGINT'));
  process.on('SIGTERM', () => handler('SIGTERM'));
}

/** True when the module is the process's entry point (node --import tsx file.ts). */
export function isEntryPoint(moduleUrl: string): boolean {
  return Boolean(process.argv[1]) && moduleUrl === pathToFileURL(process.argv[1] as string).href;
}
