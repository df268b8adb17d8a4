import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { format, resolveConfig } from 'prettier';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { listRuleFiles } from '../../../src/alerts/rules/index.ts';
import {
  loadRoutingFile,
  matchRoutes,
  parseRoutingText,
  place,
  routingFileJsonSchema,
} from '../../../src/alerts/notify/routing-index.ts';
import { notice } from './helpers.ts';

const root = path.resolve(import.meta.dirname, '../../../..');
const exampleFile = path.join(root, 'alert-rules/routing.yaml');
const schemaFile = path.join(root, 'alert-rules/routing.schema.json');

const labels = (team: string, severity: string, extra: Record<string, string> = {}) => ({
  alertname: 'A',
  team,
  severity,
  service: 'svc',
  ...extra,
});

describe('the routing file', () => {
  it('ships an example that loads, routing the example rules’ teams', async () => {
    const loaded = await loadRoutingFile(exampleFile);
    expect(loaded.errors).toEqual([]);
    const routing = loaded.routing!;
    const receiverOf = (l: Record<string, string>) => matchRoutes(routing.root, l).map((r) => r.receiver);
    expect(receiverOf(labels('shop', 'critical'))).toEqual(['shop-oncall']);
    expect(receiverOf(labels('shop', 'warning'))).toEqual(['shop-low']);
    expect(receiverOf(labels('payments', 'critical'))).toEqual(['payments-oncall']);
    expect(receiverOf(labels('search', 'critical'))).toEqual(['everyone-else']);
    const shopCritical = matchRoutes(routing.root, labels('shop', 'critical'))[0]!;
    expect(shopCritical).toMatchObject({
      groupWaitMs: 10_000,
      groupIntervalMs: 300_000,
      repeatIntervalMs: 4 * 3_600_000,
    });
    expect(matchRoutes(routing.root, labels('shop', 'info'))[0]?.repeatIntervalMs).toBe(12 * 3_600_000);
  });

  it('matches with =, !=, =~ (anchored), !~, continue, and inherits settings', () => {
    const r = parseRoutingText(
      `
receivers:
  - { name: a, slack: ['#a'] }
  - { name: b, email: [b@example.com] }
  - { name: c, slack: ['#c'] }
route:
  receiver: c
  send_resolved: false
  routes:
    - matchers: [{ name: service, op: '=~', value: 'check.*' }]
      receiver: a
      continue: true
    - matchers:
        - { name: severity, op: '!=', value: info }
        - { name: env, op: '!~', value: 'dev|staging' }
      receiver: b
      group_by: ['...']
`,
      'r.yaml',
    );
    expect(r.errors).toEqual([]);
    const routing = r.routing!;
    const receivers = (l: Record<string, string>) => matchRoutes(routing.root, l).map((x) => x.receiver);
    expect(receivers({ service: 'checkout', severity: 'critical' })).toEqual(['a', 'b']);
    expect(receivers({ service: 'checkout', severity: 'info' })).toEqual(['a']);
    expect(receivers({ service: 'xcheckout', severity: 'critical', env: 'dev' })).toEqual(['c']); // anchored
    expect(receivers({ service: 'pay', severity: 'critical', env: 'production' })).toEqual(['b']);
    expect(matchRoutes(routing.root, { service: 'checkout' })[0]?.sendResolved).toBe(false);

    // The rule's own receivers add targets, without repeating one a route reaches.
    const n = notice({
      labels: { alertname: 'X', service: 'checkout', severity: 'critical' },
      routing: { slack: ['#a', '#rule-only'], email: [] },
    });
    const placements = place(routing, n);
    expect(placements.map((p) => [p.receiver, p.targets])).toEqual([
      ['a', ['slack:#a']],
      ['b', ['email:b@example.com']],
      ['rule checkout/X', ['slack:#rule-only']],
    ]);
    expect(placements[1]?.groupLabels).toEqual({ alertname: 'X', service: 'checkout', severity: 'critical' });
  });

  it('reports every error with its line and column', () => {
    const text = `receivers:
  - name: a
    slack: ['not-a-channel']
  - name: a
route:
  receiver: nobody
  group_wait: 5 minutes
  repeat_interval: 10s
  routes:
    - matchers: [{ name: team, op: '=~', value: '(' }]
      recevier: a
`;
    const schemaErrors = parseRoutingText(text, 'routing.yaml').errors;
    expect(schemaErrors.map((e) => `${e.line}:${e.column} ${e.code} ${e.message}`)).toEqual([
      '3:13 HUB_RULES_SCHEMA receivers[0].slack[0] must be a Slack channel like #checkout-alerts or a channel id like C0123456789, got "not-a-channel"',
      '7:15 HUB_RULES_DURATION route.group_wait must be a duration like 5m, 1h30m or 90s, got "5 minutes"',
      '11:7 HUB_RULES_SCHEMA route.routes[0]: unknown field "recevier" (did you mean "receiver"?)',
    ]);
    const fixed = text
      .replace("['not-a-channel']", "['#a']")
      .replace('5 minutes', '5m')
      .replace('recevier', 'receiver');
    const errors = parseRoutingText(fixed, 'routing.yaml').errors;
    expect(errors.map((e) => `${e.line}:${e.column} ${e.code} ${e.message}`)).toEqual([
      '4:11 HUB_RULES_DUPLICATE receiver "a" is defined twice',
      '6:13 HUB_RULES_ROUTING unknown receiver "nobody" (receivers: "a")',
      '8:20 HUB_RULES_DURATION route.repeat_interval must be between 1m and 30d, got "10s"',
      expect.stringMatching(/^10:49 HUB_RULES_ROUTING invalid regular expression/),
    ]);
    expect(parseRoutingText('route: [', 'r.yaml').errors[0]?.code).toBe('HUB_RULES_YAML');
  });

  it('is not read as a rule file by the rules loader', async () => {
    const files = await listRuleFiles(path.join(root, 'alert-rules'));
    expect(files.map((f) => path.basename(f))).not.toContain('routing.yaml');
  });

  it('routing.schema.json is up to date (npm run rules:schema) and accepts the example', async () => {
    const expected = await format(JSON.stringify(routingFileJsonSchema(), null, 2), {
      ...(await resolveConfig(schemaFile)),
      filepath: schemaFile,
    });
    expect(readFileSync(schemaFile, 'utf8')).toBe(expected);
    const ajv = new Ajv({ strict: false, allErrors: true });
    ajv.addKeyword('patternErrorMessage');
    const validate = ajv.compile(JSON.parse(readFileSync(schemaFile, 'utf8')) as Record<string, unknown>);
    expect(validate(parseYaml(readFileSync(exampleFile, 'utf8')))).toBe(true);
    expect(
      validate({ receivers: [], route: { routes: [{ matchers: [{ name: 'x', op: '~', value: '' }] }] } }),
    ).toBe(false);
  });
});
