import { describe, expect, it } from 'vitest';
import { impactRows } from '../../web/src/deploys/impact.ts';
import { deployFromPath, deployPath, readWindow } from '../../web/src/deploys/deploy-url.ts';
import {
  escapeHtml,
  formatChange,
  formatMetricValue,
  formatRatio,
  formatSeconds,
} from '../../web/src/lib/format.ts';
import { readListParams, writeListParams } from '../../web/src/services/list-url.ts';
import {
  logsAt,
  readServiceParams,
  serviceFromPath,
  writeServiceParams,
} from '../../web/src/services/service-url.ts';
import type { ImpactResult } from '../../web/src/lib/types.ts';

/** The pure parts of the services and deploys pages: units, URL state, the before/after verdicts. */
describe('services and deploys UI helpers', () => {
  it('formats figures with their units', () => {
    expect(formatRatio(0.0101)).toBe('1.01%');
    expect(formatRatio(0.1)).toBe('10%');
    expect(formatRatio(null)).toBe('—');
    expect(formatSeconds(0.0493)).toBe('49.3 ms');
    expect(formatSeconds(1.5)).toBe('1.5 s');
    expect(formatChange(900.1)).toBe('+900%');
    expect(formatChange(-3.44)).toBe('−3.4%');
    expect(formatChange(1234)).toBe('+1,234%');
    expect(formatMetricValue(0.25, 's', 'p95')).toBe('250 ms');
    expect(formatMetricValue(12, '{request}', 'rate')).toBe('12/s');
    expect(formatMetricValue(3 * 1024 * 1024, 'By', 'avg')).toBe('3 MiB');
    expect(formatMetricValue(20, '{message}', 'max')).toBe('20');
  });

  it('escapes every character that could open markup in a tooltip', () => {
    expect(escapeHtml(`<img src=x onerror="a('b')">&\``)).toBe(
      '&#60;img src=x onerror=&#34;a(&#39;b&#39;)&#34;&#62;&#38;&#96;',
    );
  });

  it('round-trips the services list and service page state through the URL', () => {
    const list = readListParams('?from=now-6h&to=now&sort=errorRatio&dir=desc&filter=pay');
    expect(list).toEqual({ from: 'now-6h', to: 'now', sort: 'errorRatio', desc: true, filter: 'pay' });
    expect(readListParams(new URL(writeListParams(list), 'http://x').search)).toEqual(list);
    expect(readListParams('?sort=nonsense').sort).toBe('service');

    const search =
      '?env=prod&from=now-3h&to=now&by=version&tab=metrics&metric=http.server.request.duration&agg=p95' +
      '&group=http.route,service.version&match=http.route!%3D%2Fhealth&match=code%3D~5..&step=60';
    const p = readServiceParams('check out/1', search);
    expect(p.match).toEqual([
      { key: 'http.route', op: '!=', value: '/health' },
      { key: 'code', op: '=~', value: '5..' },
    ]);
    expect(p.group).toEqual(['http.route', 'service.version']);
    const url = new URL(writeServiceParams(p), 'http://x');
    expect(serviceFromPath(url.pathname)).toBe('check out/1');
    expect(readServiceParams('check out/1', url.search)).toEqual(p);
  });

  it('links a chart point to the logs one step either side, quoting the service', () => {
    const url = new URL(logsAt('a "b"', 'prod', Date.UTC(2026, 0, 1, 10), 60), 'http://x');
    expect(url.pathname).toBe('/logs');
    expect(url.searchParams.get('q')).toBe('service:"a \\"b\\"" env:"prod"');
    expect(url.searchParams.get('from')).toBe('2026-01-01T09:59:00.000Z');
    expect(url.searchParams.get('to')).toBe('2026-01-01T10:01:00.000Z');
  });

  it('keeps deploy ids with reserved characters intact in the path', () => {
    expect(deployFromPath(deployPath('inferred:svc/1.2'))).toBe('inferred:svc/1.2');
    expect(deployPath('x', 3600)).toBe('/deploys/x?window=3600');
    expect(readWindow('?window=59')).toBe(1800);
    expect(readWindow('?window=3600')).toBe(3600);
  });

  it('marks a rise in errors or latency and a sharp drop in traffic as worse', () => {
    const windowOf = (requestRate: number, errorRatio: number, p95: number, errorLogs: number) => ({
      from: '2026-01-01T09:00:00Z',
      to: '2026-01-01T09:30:00Z',
      requestRate,
      errorRatio,
      p95,
      errorLogs,
    });
    const result = {
      deploy: {} as ImpactResult['deploy'],
      window: 1800,
      source: 'http',
      before: windowOf(10, 0.01, 0.05, 0),
      after: windowOf(7, 0.1, 0.052, 4),
      change: { requestRate: -30, errorRatio: 900, p95: 4, errorLogs: null },
      partial: false,
    } satisfies ImpactResult;
    const verdicts = Object.fromEntries(impactRows(result).map((r) => [r.key, [r.verdict, r.changeText]]));
    expect(verdicts).toEqual({
      requestRate: ['worse', undefined],
      errorRatio: ['worse', undefined],
      p95: ['same', undefined],
      errorLogs: ['worse', 'new'],
    });
    const better = impactRows({ ...result, change: { ...result.change, p95: -40, requestRate: 5 } });
    expect(better.find((r) => r.key === 'p95')?.verdict).toBe('better');
    expect(better.find((r) => r.key === 'requestRate')?.verdict).toBe('same');
  });
});
