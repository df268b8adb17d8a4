import { sql } from '@obshub/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDb } from '../../../test/helpers/db.ts';
import {
  compileQuery,
  compileSearch,
  likePattern,
  MAX_QUERY_TERMS,
  parseNumber,
  parseQuery,
  QueryOperatorError,
  QueryTooComplexError,
  QueryValueError,
} from '../../src/query/index.ts';
import { allBut, ROWS } from './fixture.ts';
import { createMixedLayoutDb, resourceFingerprint } from './helpers.ts';

const text = (q: string): string => compileSearch(q).text;

/** The resource's attributes are looked up in log_resources, by fingerprint. */
const IN_RESOURCES = (cond: string): string =>
  `\`resource_fingerprint\` GLOBAL IN (SELECT \`fingerprint\` FROM \`log_resources\` WHERE ${cond})`;

const ATTR_EQ = (name: string, value: string): string =>
  `arrayExists((k, v) -> k = '${name}' AND v = '${value}', \`attr_keys\`, \`attr_values\`) OR ` +
  IN_RESOURCES(
    `arrayExists((k, v) -> k = '${name}' AND v = '${value}', \`resource_keys\`, \`resource_values\`)`,
  );

describe('compileQuery: SQL text', () => {
  it('matches everything for an empty query', () => {
    expect(compileQuery(null).text).toBe('1');
    expect(text('  ')).toBe('1');
  });

  it('searches free text and phrases case-insensitively in the body', () => {
    expect(text('timeout')).toBe("(positionCaseInsensitiveUTF8(`body`, 'timeout') > 0)");
    expect(text('"it\'s \\\\ here"')).toBe("(positionCaseInsensitiveUTF8(`body`, 'it\\'s \\\\ here') > 0)");
    expect(text('conn*re_fused')).toBe("(lowerUTF8(`body`) LIKE lowerUTF8('%conn%re\\\\_fused%'))");
    expect(text('body:timeout')).toBe(text('timeout'));
    expect(text('message:"a b"')).toBe(text('"a b"'));
  });

  it('compares columns exactly, and with LIKE for wildcards', () => {
    expect(text('service:checkout')).toBe("(`service_name` = 'checkout')");
    expect(text('service.name:"my svc"')).toBe("(`service_name` = 'my svc')");
    expect(text('env:prod*')).toBe("(`environment` LIKE 'prod%')");
    expect(text('version:1.*_rc%')).toBe("(`service_version` LIKE '1.%\\\\_rc\\\\%')");
    expect(text('trace_id:0AF7*')).toBe("(`trace_id` LIKE '0af7%')");
    expect(text('service:"check*"')).toBe("(`service_name` = 'check*')");
  });

  it('maps every column alias', () => {
    const cases: Array<[string, string]> = [
      ['service', 'service_name'],
      ['service.name', 'service_name'],
      ['env', 'environment'],
      ['environment', 'environment'],
      ['deployment.environment', 'environment'],
      ['deployment.environment.name', 'environment'],
      ['version', 'service_version'],
      ['service.version', 'service_version'],
      ['host', 'host_name'],
      ['host.name', 'host_name'],
      ['service.namespace', 'service_namespace'],
      ['instance', 'service_instance_id'],
      ['service.instance.id', 'service_instance_id'],
      ['trace_id', 'trace_id'],
      ['traceId', 'trace_id'],
      ['span_id', 'span_id'],
      ['spanId', 'span_id'],
      ['severity_text', 'severity_text'],
      ['event_name', 'event_name'],
      ['scope', 'scope_name'],
      ['scope.name', 'scope_name'],
    ];
    for (const [field, column] of cases) expect(text(`${field}:x`)).toBe(`(\`${column}\` = 'x')`);
    for (const field of ['severity', 'level']) expect(text(`${field}:3`)).toBe('(`severity_number` = 3)');
    for (const field of ['status', 'http.response.status_code', 'http.status_code']) {
      expect(text(`${field}:404`)).toBe('(`http_status` = 404)');
    }
  });

  it('compiles severity names to their ranges', () => {
    expect(text('severity:error')).toBe('(`severity_number` >= 17 AND `severity_number` <= 20)');
    expect(text('level:WARNING')).toBe('(`severity_number` >= 13 AND `severity_number` <= 16)');
    expect(text('severity:>=warn')).toBe('(`severity_number` >= 13)');
    expect(text('severity:>warn')).toBe('(`severity_number` > 16)');
    expect(text('severity:<warn')).toBe('(`severity_number` != 0 AND `severity_number` < 13)');
    expect(text('severity:<=warn')).toBe('(`severity_number` != 0 AND `severity_number` <= 16)');
    expect(text('severity:17')).toBe('(`severity_number` = 17)');
    expect(text('severity:>=17')).toBe('(`severity_number` >= 17)');
    expect(text('severity:"fatal"')).toBe('(`severity_number` >= 21 AND `severity_number` <= 24)');
  });

  it('compiles the http status column numerically; 0 (absent) is never below anything', () => {
    expect(text('status:>=500')).toBe('(`http_status` >= 500)');
    expect(text('status:<400')).toBe('(`http_status` != 0 AND `http_status` < 400)');
    expect(text('status:5*')).toBe("(`http_status` != 0 AND toString(`http_status`) LIKE '5%')");
  });

  it('searches attributes in record and resource attributes (the latter through log_resources)', () => {
    expect(text('user_id:u-1')).toBe(`(${ATTR_EQ('user_id', 'u-1')})`);
    expect(text('k8s.pod.name:"a b"')).toBe(`(${ATTR_EQ('k8s.pod.name', 'a b')})`);
    expect(text('http.route:/api/*')).toBe(
      "(arrayExists((k, v) -> k = 'http.route' AND v LIKE '/api/%', `attr_keys`, `attr_values`) OR " +
        IN_RESOURCES(
          "arrayExists((k, v) -> k = 'http.route' AND v LIKE '/api/%', `resource_keys`, `resource_values`)",
        ) +
        ')',
    );
  });

  it('also matches the numeric form when an attribute value is a number', () => {
    expect(text('duration_ms:1.50')).toBe(
      `(${ATTR_EQ('duration_ms', '1.50')} OR ` +
        "arrayExists((k, v) -> k = 'duration_ms' AND v = 1.5, `attr_num_keys`, `attr_num_values`))",
    );
    // Quoted: the text exactly.
    expect(text('duration_ms:"1.50"')).toBe(`(${ATTR_EQ('duration_ms', '1.50')})`);
  });

  it('compares numeric attributes', () => {
    expect(text('duration_ms:>=500')).toBe(
      "(arrayExists((k, v) -> k = 'duration_ms' AND v >= 500, `attr_num_keys`, `attr_num_values`))",
    );
    expect(text('temp:<-1.5e3')).toBe(
      "(arrayExists((k, v) -> k = 'temp' AND v < -1500, `attr_num_keys`, `attr_num_values`))",
    );
    expect(text('x:>"5"')).toContain('v > 5');
  });

  it('compiles exists for attributes and columns', () => {
    expect(text('k8s.pod.name:*')).toBe(
      `(has(\`attr_keys\`, 'k8s.pod.name') OR ${IN_RESOURCES("has(`resource_keys`, 'k8s.pod.name')")})`,
    );
    expect(text('service:*')).toBe("(`service_name` != '')");
    expect(text('body:*')).toBe("(`body` != '')");
    expect(text('severity:*')).toBe('(`severity_number` != 0)');
    expect(text('status:*')).toBe('(`http_status` != 0)');
  });

  it('combines with parenthesised NOT, AND and OR', () => {
    expect(text('a -b OR c')).toBe(
      "(((positionCaseInsensitiveUTF8(`body`, 'a') > 0) AND (NOT (positionCaseInsensitiveUTF8(`body`, 'b') > 0)))" +
        " OR (positionCaseInsensitiveUTF8(`body`, 'c') > 0))",
    );
  });

  it('treats attribute names that are Object properties as attributes', () => {
    expect(text('constructor:x')).toBe(`(${ATTR_EQ('constructor', 'x')})`);
    expect(text('__proto__:*')).toBe(
      `(has(\`attr_keys\`, '__proto__') OR ${IN_RESOURCES("has(`resource_keys`, '__proto__')")})`,
    );
  });
});

describe('compileQuery: invalid values and operators', () => {
  function errorOf(q: string): unknown {
    try {
      compileSearch(q);
    } catch (err) {
      return err;
    }
    throw new Error(`no error for ${q}`);
  }

  it.each([
    ['severity:loud', 9],
    ['severity:25', 9],
    ['severity:0', 9],
    ['severity:1.5', 9],
    ['severity:err*', 9],
    ['level:>=nope', 6],
    ['status:abc', 7],
    ['status:>=5xx', 7],
    ['status:1e400', 7],
    ['duration_ms:>abc', 12],
    ['duration_ms:>=0x10', 12],
    ['duration_ms:<Infinity', 12],
    ['duration_ms:>5*', 12],
    ['a (x:<=b)', 5],
  ])('%j is HUB_QUERY_INVALID_VALUE at %d', (q, position) => {
    const err = errorOf(q);
    expect(err).toBeInstanceOf(QueryValueError);
    expect(err).toMatchObject({ code: 'HUB_QUERY_INVALID_VALUE', statusCode: 400, position });
  });

  it('lists the severity names for an unknown one', () => {
    expect((errorOf('severity:loud') as Error).message).toBe(
      'Invalid value at position 9: unknown severity "loud"; use trace, debug, info, warn, warning, error, fatal or a number 1-24',
    );
    expect((errorOf('x:>abc') as Error).message).toBe(
      'Invalid value at position 2: x:> needs a number, not "abc"',
    );
  });

  it.each([
    ['service:>x', 8],
    ['env:<=prod', 4],
    ['trace_id:>a', 9],
    ['body:>=5', 5],
    ['message:<x', 8],
  ])('%j is HUB_QUERY_INVALID_OPERATOR at %d', (q, position) => {
    const err = errorOf(q);
    expect(err).toBeInstanceOf(QueryOperatorError);
    expect(err).toMatchObject({ code: 'HUB_QUERY_INVALID_OPERATOR', statusCode: 400, position });
  });

  it('explains why a text field has no comparison', () => {
    expect((errorOf('service:>x') as Error).message).toBe(
      'Unsupported comparison at position 8: service:> is not possible because service is text; ' +
        'comparisons (>, >=, <, <=) need a numeric field; use service:value, service:"a value" or service:prefix*',
    );
  });
});

describe('helpers', () => {
  it('parseNumber accepts decimal numbers only', () => {
    expect(['500', '-1.5', '+2', '.5', '5.', '1e3', '2E-2'].map(parseNumber)).toEqual([
      500, -1.5, 2, 0.5, 5, 1000, 0.02,
    ]);
    for (const bad of ['', ' 5', '0x10', 'Infinity', 'NaN', '1e400', '1_000', '5 ', '--5', '1e']) {
      expect(parseNumber(bad)).toBeUndefined();
    }
  });

  it('likePattern escapes LIKE wildcards and turns * into %', () => {
    expect(likePattern('a%b_c\\d*')).toBe('a\\%b\\_c\\\\d%');
  });
});

/** Fixture rows stored as before migration 9 (resource arrays in logs); the others as the collector writes them now. */
const LEGACY_IDS = new Set([2, 3, 4, 5, 15, 18]);

describe('compileQuery on ClickHouse', () => {
  let t: TestDb;

  beforeAll(async () => {
    t = await createMixedLayoutDb(ROWS, LEGACY_IDS);
  });

  afterAll(async () => {
    await t.drop();
  });

  async function ids(q: string): Promise<number[]> {
    const rows = await t.db.query<{ id: string }>(
      sql`SELECT id FROM logs WHERE ${compileQuery(parseQuery(q))} ORDER BY id`,
    );
    return rows.map((r) => Number(r.id));
  }

  it('stores the fixture as written', async () => {
    const rows = await t.db.query<{ body: string }>(sql`SELECT body FROM logs ORDER BY id`);
    expect(rows.map((r) => r.body)).toEqual(ROWS.map((r) => r.body));
  });

  it('holds rows of both layouts: old ones with resource arrays and a computed fingerprint, new ones without', async () => {
    // Old rows: arrays in logs, fingerprint from the DEFAULT (sipHash64 of the arrays).
    // New rows: empty arrays, the fingerprint written. Every one has its log_resources row.
    const rows = await t.db.query<{ i: string; n: string; fp: string; stored: string }>(
      sql`SELECT toString(id) AS i, toString(length(resource_keys)) AS n,
                 if(length(resource_keys) > 0 AND resource_fingerprint = sipHash64(resource_keys, resource_values),
                    'sipHash64', toString(resource_fingerprint)) AS fp,
                 toString(resource_fingerprint GLOBAL IN (SELECT fingerprint FROM log_resources)) AS stored
          FROM logs WHERE id IN (1, 2, 15, 16, 18, 19) ORDER BY id`,
    );
    const [fp1, fp16, fp19] = [ROWS[0], ROWS[15], ROWS[18]].map((r) =>
      resourceFingerprint(r?.resource).toString(),
    );
    expect(rows).toEqual([
      { i: '1', n: '0', fp: fp1, stored: '1' },
      { i: '2', n: '2', fp: 'sipHash64', stored: '1' },
      { i: '15', n: '1', fp: 'sipHash64', stored: '1' },
      { i: '16', n: '0', fp: fp16, stored: '1' },
      { i: '18', n: '1', fp: 'sipHash64', stored: '1' },
      { i: '19', n: '0', fp: fp19, stored: '1' },
    ]);
    // Rows 15 and 16 share a resource, stored under both fingerprints: one resource, two layouts.
    expect(ROWS[14]?.resource).toEqual(ROWS[15]?.resource);
  });

  it.each([
    ['', allBut()],
    // Free text and phrases: case-insensitive substrings of the body.
    ['timeout', [2, 21]],
    ['TIMEOUT', [2, 21]],
    ['"timeout after"', [2]],
    ['login', [1, 13]],
    ['login logout', [13]],
    ['login AND logout', [13]],
    ['login and logout', [13]],
    ['"login AND logout"', [13]],
    ['"login OR logout"', []],
    ['login OR heartbeat', [1, 13, 20]],
    ['conn*error', [7]],
    ['"conn*error"', []],
    ['100%*', [9]],
    ['done_*', [9]],
    ['"100% done_ok"', [9]],
    ['ünïcödé', [10]],
    ['"STRAßE"', [10]],
    ['"it\'s \\"quoted\\""', [8]],
    ['"back\\\\slash"', [8]],
    ['"DROP TABLE"', [12]],
    ['"\' OR 1=1 --"', []],
    ['"line\tbody"', [30]],
    ['"star * literal"', [26]],
    // Columns: exact and case-sensitive; wildcards anchored.
    ['service:checkout', [1, 2, 9, 14]],
    ['service.name:checkout', [1, 2, 9, 14]],
    ['service:Checkout', []],
    ['service:checkout*', [1, 2, 9, 14, 20]],
    ['service:*out', [1, 2, 9, 14]],
    ['service:check*ry', [20]],
    ['env:staging', [3, 5, 9]],
    ['environment:staging', [3, 5, 9]],
    ['deployment.environment:staging', [3, 5, 9]],
    ['deployment.environment.name:staging', [3, 5, 9]],
    ['env:""', [11, 22, 23, 25, 26, 27, 28, 29, 30]],
    ['version:2.0.*', [3, 4, 5]],
    ['service.version:1.2.0', [1, 2]],
    ['version:0.9.0-beta', [18]],
    ['host:web-1', [1, 2]],
    ['host.name:pay-*', [3, 4]],
    ['service.namespace:shop', [13, 14]],
    ['instance:auth-0', [13]],
    ['service.instance.id:checkout-1', [14]],
    ['trace_id:0AF7651916CD43DD8448EB211C80319C', [1]],
    ['traceId:4bf92f35*', [21]],
    ['span_id:b7ad6b7169203331', [1]],
    ['trace_id:*', [1, 21]],
    ['event_name:payment.declined', [14]],
    ['scope:checkout.*', [1, 14]],
    ['scope.name:checkout.http', [1]],
    ['severity_text:ERROR', [2]],
    ['severity_text:ERROR*', [2, 7]],
    ['body:timeout', [2, 21]],
    ['message:"timeout after"', [2]],
    ['body:conn*error', [7]],
    ['body:*', allBut(29)],
    ['-body:*', [29]],
    // Severity: names are ranges, numbers exact.
    ['severity:error', [2, 7, 12, 14, 21]],
    ['severity:ERROR', [2, 7, 12, 14, 21]],
    ['level:error', [2, 7, 12, 14, 21]],
    ['severity:warn', [3, 8, 16]],
    ['severity:warning', [3, 8, 16]],
    ['severity:>=warn', [2, 3, 4, 7, 8, 12, 14, 16, 21, 24]],
    ['severity:>warn', [2, 4, 7, 12, 14, 21, 24]],
    ['severity:<info', [5, 6, 25]],
    ['severity:<=debug', [5, 6, 25]],
    ['severity:debug', [5, 25]],
    ['severity:trace', [6]],
    ['severity:fatal', [4, 24]],
    ['severity:17', [2, 12]],
    ['severity:>=21', [4, 24]],
    ['severity:info service:search', [10]],
    ['severity:*', allBut(11)],
    ['-severity:*', [11]],
    // HTTP status column.
    ['status:200', [1, 6]],
    ['http.response.status_code:200', [1, 6]],
    ['http.status_code:404', [17]],
    ['status:>=500', [2, 7]],
    ['status:<300', [1, 6]],
    ['status:<=404', [1, 6, 17]],
    ['status:5*', [2, 7]],
    ['status:*', [1, 2, 6, 7, 17]],
    // Attributes: record and resource (old and new rows alike), text and numeric.
    ['user_id:u-1', [1]],
    ['user_id:u-*', [1, 2, 18]],
    ['user_id:resource-user', [18]],
    ['user_id:*', [1, 2, 18]],
    ['k8s.pod.name:checkout-7f9c', [1, 2]],
    ['cloud.region:eu-*', [1, 2]],
    ['team:core', [15, 16]],
    ['deployment.id:d-42', [19]],
    ['team:*', [15, 16]],
    ['-team:*', allBut(15, 16)],
    ['cloud.region:*', [1, 2, 3]],
    ['cloud.region:us-east-1', [3]],
    ['k8s.pod.name:checkout-7f9c -user_id:u-2', [1]],
    ['deployment.id:*', [19]],
    ['card.brand:visa', [14]],
    ['duration_ms:>=250', [2, 7]],
    ['duration_ms:>250', [2]],
    ['duration_ms:<12', [6]],
    ['duration_ms:<=12', [1, 6]],
    ['duration_ms:1.50', [6]],
    ['duration_ms:1.5', [6]],
    ['duration_ms:"1.50"', []],
    ['duration_ms:12', [1]],
    ['job_ms:>=500 job_ms:<5000', [15]],
    ['temp:<0', [22]],
    ['temp:-3.5', [22]],
    ['temp:>=-3.5', [22]],
    ['retries:3', [21]],
    ['attempt:>1', [3]],
    ['tag:""', [23]],
    ['tag:*', [23]],
    ['http.route:/api/*', [6]],
    ['cache.key:user:42', [5]],
    ['city:München', [10]],
    ['city:münchen', []],
    ['note:"it\'s \\"x\\" \\\\ y"', [8]],
    ['q:"\' OR 1=1 --"', [12]],
    ['pattern:a*b', [26, 27, 28]],
    ['pattern:"a*b"', [26]],
    ['pattern:a%b', [27]],
    ['pattern:a%*', [27]],
    ['pattern:a_*', []],
    ['file:a_b*', [9]],
    ['file:a?b*', []],
    ['missing:*', []],
    ['-missing:*', allBut()],
    ['constructor:x', []],
    ['__proto__:*', []],
    // Boolean structure.
    ['service:checkout severity:error', [2, 14]],
    ['service:checkout -severity:error', [1, 9]],
    ['service:checkout NOT severity:error', [1, 9]],
    ['service:checkout AND NOT (severity:error OR env:staging)', [1]],
    ['service:payments OR service:auth', [3, 4, 5, 12, 13, 21]],
    ['(service:payments OR service:auth) severity:>=error', [4, 12, 21]],
    ['service:payments OR service:auth severity:>=error', [3, 4, 5, 12, 21]],
    [
      'env:production -(service:gateway OR service:checkout OR service:auth OR service:payments)',
      [10, 15, 16, 18, 19, 24],
    ],
    ['timeout OR status:>=500', [2, 7, 21]],
    ['NOT NOT timeout', [2, 21]],
    ['-(-timeout)', [2, 21]],
  ] as Array<[string, number[]]>)('%j finds %j', async (q, expected) => {
    expect(await ids(q)).toEqual(expected);
  });

  it('runs the longest SQL a query can expand to within the term limit', async () => {
    // a:1 expands the most per character: the record's text attributes, the resource's (a
    // log_resources subquery) and the numeric form.
    for (const q of [
      Array(MAX_QUERY_TERMS).fill('a:1').join(' '),
      Array(MAX_QUERY_TERMS).fill('-a:1').join(' OR '),
    ]) {
      const where = compileSearch(q);
      // Under 18.16's default max_query_size (256 KiB), with room for the query around it.
      expect(where.text.length).toBeLessThan(200_000);
      const rows = await t.db.query<{ c: string }>(sql`SELECT count() AS c FROM logs WHERE ${where}`);
      expect(rows).toHaveLength(1);
    }
    expect(() =>
      compileSearch(
        Array(MAX_QUERY_TERMS + 1)
          .fill('a:1')
          .join(' '),
      ),
    ).toThrow(QueryTooComplexError);
  });

  it('keeps its meaning when the caller combines it with more conditions', async () => {
    const cond = compileSearch('service:payments OR service:auth');
    const rows = await t.db.query<{ id: string }>(
      sql`SELECT id FROM logs WHERE ${cond} AND severity_number >= 17 ORDER BY id`,
    );
    expect(rows.map((r) => Number(r.id))).toEqual([4, 12, 21]);
    const negated = await t.db.query<{ id: string }>(
      sql`SELECT id FROM logs WHERE NOT ${compileSearch('severity:*')} ORDER BY id`,
    );
    expect(negated.map((r) => Number(r.id))).toEqual([11]);
  });
});
