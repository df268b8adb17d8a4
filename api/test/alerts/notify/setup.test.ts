import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger, parseConfig, type Db } from '../../../../core/src/index.ts';
import { notifierFromConfig } from '../../../src/alerts/notify/setup.ts';

/** The notifier as main.ts builds it from the configuration (no database call is made here). */
describe('notifierFromConfig', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hub-notify-'));
  const logger = createLogger('notify-setup-test', 'silent');
  const db = {} as Db;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const config = (notifications: Record<string, unknown>) => parseConfig({ notifications }).notifications;

  it('starts with the shipped routing file, and without one', async () => {
    const shipped = path.resolve(import.meta.dirname, '../../../../alert-rules/routing.yaml');
    const n = await notifierFromConfig({ db, logger, config: config({ routingFile: shipped }) });
    await n.stop();
    const none = await notifierFromConfig({
      db,
      logger,
      config: config({ routingFile: path.join(dir, 'missing.yaml') }),
    });
    await none.stop();
  });

  it('stops start-up on an invalid routing file, naming file:line:col', async () => {
    const file = path.join(dir, 'routing.yaml');
    writeFileSync(file, 'receivers: []\nroute:\n  receiver: nobody\n');
    await expect(
      notifierFromConfig({ db, logger, config: config({ routingFile: file }) }),
    ).rejects.toMatchObject({
      code: 'HUB_API_ALERT_ROUTING_INVALID',
      message: expect.stringContaining(`${file}:3:13: unknown receiver "nobody"`) as unknown,
    });
  });

  it('refuses a public URL that is not http(s)', async () => {
    await expect(
      notifierFromConfig({
        db,
        logger,
        config: config({ routingFile: path.join(dir, 'x.yaml'), publicUrl: 'hub.local' }),
      }),
    ).rejects.toMatchObject({ code: 'HUB_CONFIG_INVALID' });
  });
});
