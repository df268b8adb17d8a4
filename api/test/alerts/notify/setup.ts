import { createLogger, type Db } from '../../../../core/src/index.ts';
import { Notifier } from '../../../src/alerts/notify/notifier.ts';
import { createMailSender } from '../../../src/alerts/notify/email.ts';
import { parseRoutingText } from '../../../src/alerts/notify/routing-load.ts';
import type { Routing } from '../../../src/alerts/notify/routing-model.ts';
import { createSlackSender } from '../../../src/alerts/notify/slack.ts';
import type { FakeSlack, FakeSmtp, ManualClock } from './helpers.ts';

export const PUBLIC_URL = 'https://hub.example.com';

export const TEST_ROUTING = `
receivers:
  - name: shop
    slack: ['#shop-alerts']
    email: [shop@example.com]
route:
  group_by: [alertname, service]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
  routes:
    - matchers: [{ name: team, op: '=', value: shop }]
      receiver: shop
`;

export function routingOf(text: string): Routing {
  const r = parseRoutingText(text, 'routing.yaml');
  if (!r.routing) throw new Error(r.errors.map((e) => `${e.line}:${e.column} ${e.message}`).join('; '));
  return r.routing;
}

export function makeNotifier(o: {
  db: Db;
  slack: FakeSlack;
  smtp: FakeSmtp;
  clock: ManualClock;
  routing?: Routing;
  maxAttempts?: number;
}): Notifier {
  return new Notifier({
    db: o.db,
    logger: createLogger('notify-test', 'silent'),
    senders: {
      slack: createSlackSender({ token: 'xoxb-test-token', apiUrl: o.slack.url }),
      mail: createMailSender({ smtpUrl: o.smtp.url, from: 'Hub <hub@example.com>' }),
    },
    routing: o.routing ?? routingOf(TEST_ROUTING),
    publicUrl: PUBLIC_URL,
    retry: { maxAttempts: o.maxAttempts ?? 3, baseDelayMs: 1000, maxDelayMs: 10_000 },
    clock: o.clock,
  });
}
