import { pathToFileURL } from 'node:url';
import {
  connectClickHouse,
  createLogger,
  loadConfig,
  migrate,
  scheduleRetention,
  startSelfTelemetry,
  type Db,
  type HubConfig,
  type Logger,
} from '@obshub/core';
import { buildCollector } from './app.ts';

async function connectWithRetry(config: HubConfig, log: Logger): Promise<Db> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await connectClickHouse({ ...config.clickhouse, createDatabase: true });
    } catch (err) {
      if (attempt % 10 === 1) log.warn({ err: (err as Error).message }, 'waiting for ClickHouse');
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/** Entry point of the collector process: `tsx collector/src/main.ts`. */
export async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.clickhouse.url)
    throw new Error('CLICKHOUSE_URL is not set (npm start sets it for a local ClickHouse)');
  const telemetry = startSelfTelemetry({
    serviceName: 'hub-collector',
    serviceVersion: '0.1.0',
    environment: 'self',
    config: config.selfTelemetry,
    defaultEndpoint: `http://127.0.0.1:${config.collector.httpPort}`,
    ...(config.collector.authTokens[0]
      ? { headers: { Authorization: `Bearer ${config.collector.authTokens[0]}` } }
      : {}),
  });
  const log = createLogger('hub-collector', config.logLevel);
  const db = await connectWithRetry(config, log);
  await migrate(db, config.retention);
  const stopRetention = scheduleRetention(db, config.retention, config.retention.checkIntervalMs, (err) =>
    log.error({ err: (err as Error).message }, 'retention failed'),
  );
  const collector = buildCollector({ config: config.collector, db, logger: log, dataDir: process.cwd() });
  const { httpPort, grpcPort, replayedRows } = await collector.start();
  log.info({ httpPort, grpcPort, replayedRows, clickhouse: db.capabilities.version }, 'collector listening');

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'collector stopping: flushing batches');
    stopRetention();
    // Self-telemetry first, while this collector still accepts its final export.
    telemetry
      .shutdown()
      .then(() => collector.stop())
      .then(() => db.close())
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        log.error({ err: (err as Error).message }, 'unclean shutdown');
        process.exit(1);
      });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
