import { bootstrapProcess, isEntryPoint, onShutdown } from '@obshub/core';
import { loadTeamsFile } from './access/teams-file.ts';
import { buildApp } from './app.ts';

/** Entry point of the API process: `node --import tsx api/src/main.ts`. */
export async function main(): Promise<void> {
  const { config, log, db, telemetry } = await bootstrapProcess('hub-api');
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

  onShutdown(log, async () => {
    await app.close();
    await telemetry.shutdown();
    await db.close();
  });
}

if (isEntryPoint(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
