import { bootstrapProcess, isEntryPoint, onShutdown } from '@obshub/core';
import { loadTeamsFile } from './access/teams-file.ts';
import { buildApp } from './app.ts';
import { startAlerts } from './alerts/start.ts';
import { loadProfiles } from './verifications/profiles.ts';
import { VerificationRunner } from './verifications/runner.ts';
import { VerdictPoster } from './verifications/notify/verdict-poster.ts';
import { startIncreaseJob } from './metrics/rollup-job.ts';

/** Entry point of the API process: `node --import tsx api/src/main.ts`. */
export async function main(): Promise<void> {
  const { config, log, db, telemetry } = await bootstrapProcess('hub-api');
  const teams = config.api.teamsFile ? loadTeamsFile(config.api.teamsFile) : undefined;
  if (!teams) log.warn('no teams file (HUB_TEAMS_FILE): access control is off, every caller is an admin');
  const profiles = loadProfiles(config.verification.profilesFile);
  // Alert rule evaluation (docs/alerting.md): rules watcher, restored state, scheduler.
  // Notifications (docs/notifications.md): routing file watcher; the evaluator publishes its notices to the notifier.
  // One wiring for this process and the end-to-end test (api/test/alerts/end-to-end.test.ts).
  const alerts = await startAlerts({ db, logger: log, config });
  const { notifier, alerting } = alerts;
  const app = await buildApp({
    db,
    logger: log,
    ...(alerting ? { alerting } : {}),
    notifier,
    routing: alerts.routing,
    access: {
      teams,
      sessionSecret: config.api.sessionSecret,
      sessionTtlHours: config.api.sessionTtlHours,
      secureCookies: config.api.secureCookies,
    },
    verification: { profiles, publicUrl: config.notifications.publicUrl },
  });
  await app.listen({ host: config.api.host, port: config.api.port });
  // Post-deploy verification: advances running verifications; `completed` carries each verdict (docs/verification.md).
  const verifier = new VerificationRunner({
    db,
    logger: log,
    tickMs: config.verification.tickMs,
    settleMs: config.verification.settleMs,
    publicUrl: config.notifications.publicUrl,
    webhook: {
      attempts: config.verification.webhookAttempts,
      retryDelayMs: config.verification.webhookRetryDelayMs,
      timeoutMs: config.verification.webhookTimeoutMs,
    },
  });
  // Verdicts in Slack / email threads that later alerts about the deploy reply into (docs/notifications.md#deploy-verdict-threads).
  const verdicts = new VerdictPoster({ notifier, teams });
  verifier.on('completed', (v) => verdicts.handle(v));
  verifier.start();
  log.info({ port: config.api.port }, 'API listening');
  // Metric increases (docs/metrics.md#increases): rates and histogram quantiles read them.
  const increases = config.metricRollups.enabled
    ? startIncreaseJob(db, log, config.metricRollups)
    : undefined;

  onShutdown(log, async () => {
    await app.close();
    await verifier.stop();
    await verdicts.stop(); // verdicts in flight use the notifier's senders
    await alerts.stop(); // the evaluator, then the notifier
    await increases?.stop();
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
