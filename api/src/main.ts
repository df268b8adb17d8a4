import { pathToFileURL } from 'node:url';
import {
  connectClickHouse,
  createLogger,
  loadConfig,
  migrate,
  startSelfTelemetry,
  type Db,
  type HubConfig,
  type Logger,
} from '@obshub/core';
import { loadTeamsFile } from './access/teams-file.ts';
import { buildApp } from './app.ts';

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

/** Entry point of the API process: `tsx api/src/main.ts`. */
export async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.clickhouse.url)
    throw new Error('CLICKHOUSE_URL is not set (npm start sets it for a local ClickHouse)');
  const telemetry = startSelfTelemetry({
    serviceName: 'hub-api',
    serviceVersion: '0.1.0',
    environment: 'self',
    config: config.selfTelemetry,
    defaultEndpoint: `http://127.0.0.1:${config.collector.httpPort}`,
    ...(config.collector.authTokens[0]
      ? { headers: { Authorization: `Bearer ${config.collector.authTokens[0]}` } }
      : {}),
  });
  const log = createLogger('hub-api', config.logLevel);
  const db = await connectWithRetry(config, log);
  await migrate(db, config.retention);
  const teams = config.api.teamsFile ? loadTeamsFile(config.api.teamsFile) : undefined;
  if (!teams) log.warn('no teams file (HUB_TEAMS_FILE): access control is off, every caller is an admin');
  const app = await buildApp({
    db,
    logger: log,
    access: {
      teams,
      sessionSecret: config.api.sessionSecret,
      sessionTtlHours: config.api.sessionTtlHours,
      secureCookies: config.api.secureCookies,
    },
  });
  await app.listen({ host: config.api.host, port: config.api.port });
  log.info({ port: config.api.port }, 'API listening');

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'API stopping');
    app
      .close()
      .then(() => telemetry.shutdown())
      .then(() => db.close())
      .then(() => process.exit(0))
      .catch(() => process.exit(1));
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
