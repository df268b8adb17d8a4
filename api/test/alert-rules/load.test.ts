import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiErrors } from '../../src/errors.ts';
import {
  formatRuleError,
  listRuleFiles,
  loadRules,
  parseRuleText,
  requireValidRules,
  RULE_ERROR_CODES as CODES,
  type AbsenceAlertRule,
  type LogAlertRule,
  type MetricAlertRule,
} from '../../src/alerts/rules/index.ts';
import { errorsOf, groupWith, logRule, onlyError, pos } from './helpers.ts';

describe('a valid file', () => {
  const text = `# yaml-language-server: $schema=./schema.json
groups:
  - name: shop
    labels: { team: shop }
    rules:
      - alert: ErrorLogs
        kind: log
        query: 'service:checkout severity:>=error'
        ratio_of: service:checkout
        window: 10m
        group_by: [service.name, host]
        condition: { op: '>', threshold: 0.05 }
        recovery: 0.02
        annotations:
          summary: '{{$labels.service}} on {{$labels.host}}: {{humanizePercentage $value}}'
      - alert: Slow
        kind: metric
        query: { metric: http.server.request.duration, service: checkout, aggregation: p95 }
        group_by: [http.route]
        window: 5m
        condition: { op: '>=', threshold: 0.5 }
        labels: { severity: warning }
        annotations:
          summary: '{{$labels.http_route}} {{humanizeDuration $value}}'
  - name: shop-absence
    interval: 30s
    rules:
      - alert: NoTraffic
        kind: absence
        service: checkout
        environment: production
        metric: http.server.request.duration
        matchers: [{ key: http.route, op: '=~', value: '/api/.*' }]
        for: 10m
        annotations:
          summary: 'no data from {{$labels.service}} in {{$labels.env}} for {{humanizeDuration $value}}'
`;
  const parsed = parseRuleText(text, 'alert-rules/shop.yaml');

  it('has no errors and gives every rule normalized, defaults filled in', () => {
    expect(parsed.errors).toEqual([]);
    expect(parsed.ruleCount).toBe(3);
    expect(parsed.groups.map((g) => [g.name, g.intervalMs, g.rules.length])).toEqual([
      ['shop', 60_000, 2],
      ['shop-absence', 30_000, 1],
    ]);
    const [log, metric] = parsed.groups[0]?.rules as [LogAlertRule, MetricAlertRule];
    expect(log).toMatchObject({
      kind: 'log',
      group: 'shop',
      alert: 'ErrorLogs',
      query: 'service:checkout severity:>=error',
      ratioOf: 'service:checkout',
      windowMs: 600_000,
      forMs: 0,
      keepFiringForMs: 0,
      noData: 'ok',
      onError: 'keep',
      deployWindowMs: 1_800_000,
      recovery: 0.02,
      condition: { op: '>', threshold: 0.05 },
      labels: { team: 'shop' },
      groupBy: [
        { field: 'service.name', label: 'service' },
        { field: 'host', label: 'host' },
      ],
      routing: { slack: [], email: [] },
      source: { file: 'alert-rules/shop.yaml', ...pos(text, 'alert: ErrorLogs') },
    });
    expect(log.id).toMatch(/^[0-9a-f]{16}$/);
    expect(log.hash).toMatch(/^[0-9a-f]{16}$/);
    expect(metric).toMatchObject({
      kind: 'metric',
      reduce: 'avg',
      recovery: null,
      labels: { team: 'shop', severity: 'warning' },
      query: {
        metric: 'http.server.request.duration',
        service: 'checkout',
        environment: null,
        matchers: [],
        aggregation: 'p95',
      },
      ratioOf: null,
      groupBy: [{ field: 'http.route', label: 'http_route' }],
    });
    const absence = parsed.groups[1]?.rules[0] as AbsenceAlertRule;
    expect(absence).toMatchObject({
      kind: 'absence',
      forMs: 600_000,
      intervalMs: 30_000,
      service: 'checkout',
      environment: 'production',
      metric: 'http.server.request.duration',
      query: null,
    });
  });

  it('YAML anchors and merge keys work', () => {
    const merged = `groups:
  - name: shop
    rules:
      - &base
        alert: A
        kind: log
        query: 'severity:>=error'
        window: 5m
        condition: { op: '>', threshold: 1 }
      - <<: *base
        alert: B
`;
    const result = parseRuleText(merged, 'm.yaml');
    expect(result.errors).toEqual([]);
    expect(result.groups[0]?.rules.map((r) => r.alert)).toEqual(['A', 'B']);
  });
});

describe('errors, each with file, line and column', () => {
  it('a YAML syntax error', () => {
    const text = 'groups:\n  - name: shop\n    rules: [\n';
    const error = onlyError(text);
    expect(error).toMatchObject({ file: 'rules.yaml', code: CODES.YAML, line: 4, column: 1 });
    expect(error.message).toMatch(/^invalid YAML: /);
  });

  it('a key written twice', () => {
    const text = groupWith(logRule('A', '        window: 10m\n'));
    const error = onlyError(text);
    expect(error).toMatchObject({ code: CODES.YAML, ...pos(text, 'window: 10m') });
    expect(error.message).toContain('unique');
  });

  it('two YAML documents', () => {
    expect(onlyError(groupWith(logRule()) + '---\ngroups: []\n')).toMatchObject({
      code: CODES.YAML,
      message: 'invalid YAML: a rule file holds one YAML document: remove the second "---"',
    });
  });

  it('an empty file, or one that is not a mapping', () => {
    expect(onlyError('# only a comment\n')).toMatchObject({ code: CODES.FILE, line: 1, column: 1 });
    expect(onlyError('- a\n- b\n')).toMatchObject({
      code: CODES.FILE,
      message: 'a rule file must be a mapping with groups:, got a list',
    });
  });

  it('an unknown field, with a suggestion, at its key', () => {
    const text = groupWith(logRule('HighErrorRate', '        windw: 3m\n'));
    expect(onlyError(text)).toEqual({
      file: 'rules.yaml',
      ...pos(text, 'windw'),
      code: CODES.SCHEMA,
      message: 'rule "HighErrorRate": unknown field "windw" (did you mean "window"?)',
    });
    const nested = groupWith(logRule('N').replace('threshold: 10', 'treshold: 10'));
    expect(errorsOf(nested).map((e) => e.message)).toEqual([
      'rule "N": condition: missing required field "threshold"',
      'rule "N": condition: unknown field "treshold" (did you mean "threshold"?)',
    ]);
  });

  it('an unknown field at the top and in a group', () => {
    const text = 'groupz: []\n';
    expect(errorsOf(text).map((e) => e.message)).toEqual([
      'missing required field "groups"',
      'unknown field "groupz" (did you mean "groups"?)',
    ]);
    const inGroup = groupWith(logRule(), '    intervall: 1m\n');
    expect(onlyError(inGroup)).toMatchObject({
      ...pos(inGroup, 'intervall'),
      message: 'group "shop": unknown field "intervall" (did you mean "interval"?)',
    });
  });

  it('a field of another kind of rule', () => {
    const text = groupWith(
      '      - alert: Quiet\n        kind: absence\n        service: checkout\n        for: 10m\n        window: 5m\n',
    );
    expect(onlyError(text)).toMatchObject({
      ...pos(text, 'window'),
      message: 'rule "Quiet": window does not apply to absence rules (it is a field of log and metric rules)',
    });
  });

  it('a wrong type', () => {
    const text = groupWith(logRule('A').replace('threshold: 10', 'threshold: high'));
    expect(onlyError(text)).toMatchObject({
      code: CODES.SCHEMA,
      ...pos(text, 'high'),
      message: 'rule "A": condition.threshold must be a number, got "high"',
    });
    const list = groupWith(logRule('B', '        labels: [a, b]\n'));
    expect(onlyError(list).message).toBe('rule "B": labels must be a mapping, got a list');
  });

  it('a value outside its list, nested', () => {
    const text = groupWith(
      '      - alert: M\n        kind: metric\n        query:\n          metric: x\n          aggregation: p42\n' +
        "          matchers: [{ key: a, op: '==', value: b }]\n        window: 5m\n        condition: { op: '=>', threshold: 1 }\n",
    );
    expect(errorsOf(text)).toEqual([
      expect.objectContaining({
        ...pos(text, 'p42'),
        message: expect.stringMatching(
          /^rule "M": query.aggregation must be one of "avg", .*, got "p42"$/,
        ) as unknown,
      }),
      expect.objectContaining({
        ...pos(text, "'=='"),
        message: 'rule "M": query.matchers[0].op must be one of "=", "!=", "=~", "!~", got "=="',
      }),
      expect.objectContaining({
        ...pos(text, "'=>'"),
        message: 'rule "M": condition.op must be one of ">", ">=", "<", "<=", got "=>"',
      }),
    ]);
  });

  it('missing fields, at the rule', () => {
    const text = groupWith('      - alert: Missing\n        kind: log\n');
    const errors = errorsOf(text);
    expect(errors.map((e) => e.message)).toEqual([
      'rule "Missing": missing required field "query"',
      'rule "Missing": missing required field "window"',
      'rule "Missing": missing required field "condition"',
    ]);
    for (const e of errors) expect(e).toMatchObject({ code: CODES.SCHEMA, ...pos(text, 'alert: Missing') });
    const nested = groupWith(logRule('N').replace("{ op: '>', threshold: 10 }", "{ op: '>' }"));
    expect(onlyError(nested).message).toBe('rule "N": condition: missing required field "threshold"');
  });

  it('a missing or unknown kind, and a rule that is not a mapping', () => {
    const text = groupWith(
      '      - alert: NoKind\n        query: x\n      - alert: Typo\n        kind: logs\n      - just text\n',
    );
    expect(errorsOf(text)).toEqual([
      expect.objectContaining({
        ...pos(text, 'alert: NoKind'),
        message: 'rule "NoKind": missing required field "kind" (log, metric or absence)',
      }),
      expect.objectContaining({
        ...pos(text, 'logs'),
        message: 'rule "Typo": kind must be one of "log", "metric", "absence", got "logs"',
      }),
      expect.objectContaining({
        ...pos(text, 'just text'),
        message: 'group "shop": rule 3: a rule must be a mapping (alert, kind, ...), got "just text"',
      }),
    ]);
  });

  it('a bad duration, with the message of the docs', () => {
    const text = groupWith(logRule('HighErrorRate', '        for: 5 minutes\n'));
    expect(onlyError(text)).toEqual({
      file: 'rules.yaml',
      ...pos(text, '5 minutes'),
      code: CODES.DURATION,
      message: 'rule "HighErrorRate": for must be a duration like 5m, 1h30m or 90s, got "5 minutes"',
    });
    expect(formatRuleError(onlyError(text))).toBe(
      `rules.yaml:${pos(text, '5 minutes').line}:${pos(text, '5 minutes').column}: rule "HighErrorRate": for must be a duration like 5m, 1h30m or 90s, got "5 minutes"`,
    );
    const number = groupWith(logRule('N').replace('window: 5m', 'window: 300'));
    expect(onlyError(number)).toMatchObject({
      code: CODES.DURATION,
      message: 'rule "N": window must be a duration like 5m, 1h30m or 90s, got the number 300',
    });
  });

  it('durations out of bounds', () => {
    const interval = groupWith(logRule()).replace('interval: 1m', 'interval: 5s');
    expect(onlyError(interval)).toMatchObject({
      code: CODES.DURATION,
      ...pos(interval, '5s'),
      message: 'group "shop": interval must be at least 10s, got "5s"',
    });
    const window = groupWith(logRule('W').replace('window: 5m', 'window: 30s'));
    expect(onlyError(window)).toMatchObject({
      code: CODES.DURATION,
      message:
        'rule "W": window 30s is shorter than the group\'s interval 1m: data between two evaluations would never be looked at',
    });
    const long = groupWith(logRule('L', '        keep_firing_for: 2d\n'));
    expect(onlyError(long).message).toBe('rule "L": keep_firing_for must be at most 1d, got "2d"');
    const absence = groupWith(
      '      - alert: Q\n        kind: absence\n        service: x\n        for: 30s\n',
    );
    expect(onlyError(absence).message).toBe('rule "Q": for must be at least 1m, got "30s"');
  });

  describe('log query errors at their character in the file', () => {
    it.each([
      ['plain', 'query: service:checkout AND (', 'service:checkout AND ('.length],
      ['single-quoted', "query: 'service:checkout AND ('", "'service:checkout AND (".length],
      ['double-quoted', 'query: "service:checkout AND ("', '"service:checkout AND ('.length],
    ])('%s', (_style, line, column) => {
      const text = groupWith(logRule('Q').replace("query: 'service:checkout severity:>=error'", line));
      const start = pos(text, line);
      expect(onlyError(text)).toMatchObject({
        code: CODES.QUERY,
        line: start.line,
        column: start.column + 'query: '.length + column,
        message: 'rule "Q": query: syntax error: expected a term but found end of query',
      });
    });

    it('in a block scalar, on its own line', () => {
      const text = groupWith(
        logRule('Q').replace(
          "query: 'service:checkout severity:>=error'",
          'query: |\n          service:checkout\n          AND severity:loud',
        ),
      );
      expect(onlyError(text)).toMatchObject({
        code: CODES.QUERY,
        ...pos(text, 'loud'),
        message: expect.stringContaining(
          'rule "Q": query: invalid value: unknown severity "loud"',
        ) as unknown,
      });
    });

    it('in ratio_of and in an absence query', () => {
      const text = groupWith(
        logRule('R', '        ratio_of: "service:>x"\n') +
          "      - alert: A\n        kind: absence\n        service: x\n        for: 5m\n        query: 'a - b'\n",
      );
      expect(errorsOf(text)).toEqual([
        expect.objectContaining({
          ...pos(text, '>x'),
          message: expect.stringContaining('rule "R": ratio_of: unsupported comparison') as unknown,
        }),
        expect.objectContaining({
          ...pos(text, ' b'),
          message: expect.stringContaining('rule "A": query: syntax error') as unknown,
        }),
      ]);
    });
  });

  it('group_by: unknown, ungroupable and repeated log fields', () => {
    const text = groupWith(logRule('G', '        group_by: [service, service.name, body, http.route]\n'));
    expect(errorsOf(text)).toEqual([
      expect.objectContaining({
        code: CODES.DUPLICATE,
        ...pos(text, 'service.name'),
        message: 'rule "G": group_by: "service.name" gives the label "service", like "service" before it',
      }),
      expect.objectContaining({
        code: CODES.QUERY,
        ...pos(text, 'body'),
        message: expect.stringContaining('cannot group by body') as unknown,
      }),
      expect.objectContaining({
        code: CODES.QUERY,
        ...pos(text, 'http.route'),
        message: expect.stringContaining(
          'group_by: "http.route" is not a log field; one of: service, env, version, host',
        ) as unknown,
      }),
    ]);
  });

  describe('templates', () => {
    it('unknown variables and labels, at their place in the template', () => {
      const text = groupWith(
        logRule('T', "        annotations:\n          summary: '{{value}} on {{$labels.hots}}'\n"),
      );
      expect(errorsOf(text)).toEqual([
        expect.objectContaining({
          code: CODES.TEMPLATE,
          ...pos(text, 'value}}'),
          message: expect.stringContaining(
            'rule "T": annotations.summary: unknown variable "value"; did you mean $value?',
          ) as unknown,
        }),
        expect.objectContaining({
          code: CODES.TEMPLATE,
          ...pos(text, '$labels.hots'),
          message:
            'rule "T": annotations.summary: $labels.hots is not a label of this rule; its labels: alertname',
        }),
      ]);
    });

    it('a syntax error in a folded description, and a runbook URL template', () => {
      const text = groupWith(
        logRule(
          'T',
          '        labels: { service: checkout }\n        annotations:\n          description: >-\n            The error ratio is {{$value}}\n            {{#if $labels.service}}for {{$labels.service}}\n' +
            '          runbook_url: https://runbooks.example.com/{{$labels.team}}\n',
        ),
      );
      const errors = errorsOf(text);
      expect(errors).toHaveLength(2);
      expect(errors[0]).toMatchObject({
        code: CODES.TEMPLATE,
        message: expect.stringContaining('annotations.description: template syntax error') as unknown,
      });
      expect(errors[0]?.line).toBe(pos(text, '{{#if').line);
      expect(errors[1]).toMatchObject({
        ...pos(text, '$labels.team'),
        message:
          'rule "T": annotations.runbook_url: $labels.team is not a label of this rule; its labels: alertname, service',
      });
    });

    it('labels from the group, the rule and group_by are known; threshold variables are not in absence rules', () => {
      const ok = groupWith(
        logRule(
          'T',
          "        group_by: [host]\n        labels: { severity: critical }\n        annotations:\n          summary: '{{$labels.team}} {{$labels.host}} {{$labels.severity}} {{$threshold}} {{$window}}'\n",
        ),
        '    labels: { team: shop }\n',
      );
      expect(errorsOf(ok)).toEqual([]);
      const absence = groupWith(
        "      - alert: A\n        kind: absence\n        service: x\n        for: 5m\n        annotations:\n          summary: '{{$labels.service}} {{$threshold}}'\n",
      );
      expect(onlyError(absence).message).toContain('annotations.summary: unknown variable "$threshold"');
    });
  });

  it('duplicate rule names in a group', () => {
    const text = groupWith(logRule('Same') + logRule('Same'));
    expect(onlyError(text)).toMatchObject({
      code: CODES.DUPLICATE,
      ...pos(text, 'Same', 1),
      message: `rule "Same": defined twice in group "shop" (first on line ${pos(text, 'Same').line})`,
    });
  });

  it('a recovery threshold on the wrong side', () => {
    const above = groupWith(logRule('Up', '        recovery: 12\n'));
    expect(onlyError(above)).toMatchObject({
      code: CODES.THRESHOLD,
      ...pos(above, '12'),
      message:
        'rule "Up": recovery 12 must be below the threshold 10: the alert fires when the value is > 10 and recovers once it is back below 12',
    });
    const equal = groupWith(logRule('Eq', '        recovery: 10\n'));
    expect(onlyError(equal).code).toBe(CODES.THRESHOLD);
    const below = groupWith(logRule('Down', '        recovery: 5\n').replace("op: '>'", "op: '<='"));
    expect(onlyError(below).message).toContain('recovery 5 must be above the threshold 10');
    expect(
      errorsOf(groupWith(logRule('Fine', '        recovery: 15\n').replace("op: '>'", "op: '<'"))),
    ).toEqual([]);
  });

  it('bad label names, reserved labels, severities and clashes', () => {
    const text = groupWith(
      logRule(
        'L',
        '        group_by: [host]\n        labels:\n          Bad-Name: x\n          __meta: y\n          severity: high\n          host: fixed\n',
      ),
      '    labels: { alertname: z }\n',
    );
    expect(errorsOf(text)).toEqual([
      expect.objectContaining({
        code: CODES.LABEL,
        ...pos(text, 'alertname'),
        message: 'group "shop": label "alertname" is reserved: the hub sets it',
      }),
      expect.objectContaining({
        code: CODES.SCHEMA,
        ...pos(text, 'Bad-Name'),
        message:
          'rule "L": labels: "Bad-Name" is not a valid label name: use letters, digits and _, not starting with a digit',
      }),
      expect.objectContaining({
        code: CODES.LABEL,
        ...pos(text, '__meta'),
        message: 'rule "L": label "__meta" is reserved: the hub sets it',
      }),
      expect.objectContaining({
        code: CODES.LABEL,
        ...pos(text, 'high'),
        message: 'rule "L": labels.severity must be one of "critical", "warning", "info", got "high"',
      }),
      expect.objectContaining({
        code: CODES.LABEL,
        ...pos(text, 'host: fixed'),
        message: 'rule "L": label "host" is also set by group_by "host"; remove one',
      }),
    ]);
  });

  it('absence rules: metric or query, matchers only with a metric', () => {
    const text = groupWith(
      "      - alert: A\n        kind: absence\n        service: x\n        for: 5m\n        metric: m\n        query: 'service:x'\n" +
        "      - alert: B\n        kind: absence\n        service: x\n        for: 5m\n        matchers: [{ key: a, op: '=', value: b }]\n",
    );
    expect(errorsOf(text).map((e) => [e.line, e.message])).toEqual([
      [
        pos(text, "query: 'service:x'").line,
        'rule "A": use either metric or query, not both: an absence rule watches one kind of data',
      ],
      [pos(text, 'matchers').line, 'rule "B": matchers need a metric: they select its series'],
    ]);
  });

  it('collects every error of a file, not just the first', () => {
    const text = `groups:
  - name: shop
    interval: 5s
    rules:
      - alert: A
        kind: log
        query: 'a AND ('
        window: 5 minutes
        condition: { op: '>', threshold: 1 }
        recovery: 2
        labels: { severity: high }
        annotations: { summary: '{{nope}}' }
      - alert: A
        kind: metric
  - name: shop
    rules: []
`;
    const errors = errorsOf(text);
    expect(errors.map((e) => e.code).sort()).toEqual(
      [
        CODES.DURATION, // interval 5s
        CODES.QUERY,
        CODES.DURATION, // window
        CODES.THRESHOLD,
        CODES.LABEL,
        CODES.TEMPLATE,
        CODES.SCHEMA, // metric rule: query
        CODES.SCHEMA, // window
        CODES.SCHEMA, // condition
        CODES.DUPLICATE, // A twice
        CODES.SCHEMA, // rules: []
      ].sort(),
    );
    for (const e of errors) {
      expect(e.line).toBeGreaterThan(0);
      expect(e.column).toBeGreaterThan(0);
    }
    expect(parseRuleText(text, 'x.yaml').groups).toEqual([]);
  });
});

describe('loading folders', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'hub-rules-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads *.yaml and *.yml, not hidden files, other files or subfolders, and checks group names across files', async () => {
    const d = path.join(dir, 'folder');
    await mkdir(path.join(d, 'sub.yaml'), { recursive: true });
    await writeFile(path.join(d, 'a.yaml'), groupWith(logRule('A')));
    await writeFile(path.join(d, 'b.yml'), groupWith(logRule('B')));
    await writeFile(path.join(d, '.#a.yaml'), 'not: [valid');
    await writeFile(path.join(d, 'README.md'), '# rules');
    await writeFile(path.join(d, 'schema.json'), '{}');
    expect(await listRuleFiles(d)).toEqual([path.join(d, 'a.yaml'), path.join(d, 'b.yml')]);

    const result = await loadRules([d]);
    expect(result.files).toEqual([path.join(d, 'a.yaml'), path.join(d, 'b.yml')]);
    expect(result.ruleCount).toBe(2);
    expect(result.ruleSet).toBeNull();
    expect(result.errors).toEqual([
      {
        file: path.join(d, 'b.yml'),
        line: 2,
        column: 11,
        code: CODES.DUPLICATE,
        message: `group "shop" is defined twice (first in ${path.join(d, 'a.yaml')}:2); group names are unique across files`,
      },
    ]);
    expect(() => requireValidRules(result)).toThrow(ApiErrors.ALERT_RULES_INVALID);
    try {
      requireValidRules(result);
    } catch (err) {
      expect(err).toMatchObject({ code: 'HUB_API_ALERT_RULES_INVALID', statusCode: 400 });
      expect((err as Error).message).toContain('b.yml:2:11: group "shop" is defined twice');
    }

    await writeFile(path.join(d, 'b.yml'), groupWith(logRule('B')).replace('name: shop', 'name: other'));
    const valid = await loadRules([d]);
    expect(valid.errors).toEqual([]);
    expect(valid.ruleSet?.rules.map((r) => `${r.group}/${r.alert}`)).toEqual(['shop/A', 'other/B']);
    expect(requireValidRules(valid)).toBe(valid.ruleSet);
  });

  it('a path that cannot be read is an error, not an exception', async () => {
    const missing = path.join(dir, 'missing.yaml');
    const result = await loadRules([missing]);
    expect(result.ruleSet).toBeNull();
    expect(result.errors).toEqual([
      expect.objectContaining({
        file: missing,
        line: 1,
        column: 1,
        code: CODES.FILE,
        message: expect.stringContaining('cannot read') as unknown,
      }),
    ]);
  });

  it('an explicit file path is read whatever its extension', async () => {
    const file = path.join(dir, 'rules.txt');
    await writeFile(file, groupWith(logRule('X')));
    const result = await loadRules([file]);
    expect(result.errors).toEqual([]);
    expect(result.ruleSet?.rules).toHaveLength(1);
  });
});
