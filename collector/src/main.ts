import { bootstrapProcess, isEntryPoint, onShutdown, scheduleRetention } from '@obshub/core';
import { buildCollector } from './app.ts';
import { tuneHeapGrowth } from './heap-tuning.ts';

/** Entry point of the collector process: `node --import tsx collector/src/main.ts`. */
export async function main(): Promise<void> {
  tuneHeapGrowth();
  const { config, log, db, telemetry } = await bootstrapProcess('hub-collector');
  const stopRetention = scheduleRetention(db, config.retention, config.retention.checkIntervalMs, (err) =>
    log.error({ err: (err as Error).message }, 'retention failed'),
  );
  const collector = buildCollector({ config: config.collector, db, logger: log, dataDir: process.cwd() });
  const { httpPort, grpcPort, replayedRows } = await collector.start();
  log.info({ httpPort, grpcPort, replayedRows, clickhouse: db.capabilities.version }, 'collector listening');

  onShutdown(log, async () => {
    log.info('collector flushing batches');
    stopRetention();
    // Self-telemetry first, while this collector still accepts its final export.
    await telemetry.shutdown();
    await collector.stop();
    await db.close();
  });
}

if (isEntryPoint(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
