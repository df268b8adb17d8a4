import { escapeHtml, utcTime } from '../lib/format.ts';
import type { Deploy } from '../lib/types.ts';
import { DEPLOY_COLORS, STATUS_LABELS } from './palette.ts';

/** When a deploy shows on a time axis: its start, and its end when it took a while. */
export function deployTimes(d: Deploy): { startMs: number; endMs: number | undefined } {
  const startMs = Date.parse(d.startedAt);
  const end = d.finishedAt ? Date.parse(d.finishedAt) : Number.NaN;
  return { startMs, endMs: Number.isFinite(end) && end > startMs ? end : undefined };
}

/** The deploys whose start lies within [fromMs, toMs], oldest first. */
export function deploysInRange(deploys: readonly Deploy[], fromMs: number, toMs: number): Deploy[] {
  return deploys
    .filter((d) => {
      const { startMs } = deployTimes(d);
      return startMs >= fromMs && startMs <= toMs;
    })
    .sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
}

/**
 * The tooltip of a deploy marker. Versions, authors and descriptions are
 * whatever a pipeline sent: every one of them is escaped here, the one place
 * deploy data becomes HTML.
 */
export function deployTooltip(d: Deploy): string {
  const rows: Array<[string, string]> = [
    ['status', STATUS_LABELS[d.status]],
    ['source', d.source],
    ['started', `${utcTime(d.startedAt)} UTC`],
  ];
  if (d.finishedAt) rows.push(['finished', `${utcTime(d.finishedAt)} UTC`]);
  if (d.previousVersion) rows.push(['previous', d.previousVersion]);
  if (d.author) rows.push(['author', d.author]);
  if (d.commitSha) rows.push(['commit', d.commitSha.slice(0, 12)]);
  const color = DEPLOY_COLORS[d.status];
  const head = `<div style="font-weight:600;margin-bottom:2px"><span style="color:${color}">▌</span>Deploy ${escapeHtml(d.version)}</div>`;
  const body = rows
    .map(
      ([k, v]) =>
        `<div><span style="color:#59636e;display:inline-block;width:64px">${k}</span>${escapeHtml(v)}</div>`,
    )
    .join('');
  return `${head}${body}<div style="color:#59636e;margin-top:4px">click to open the deploy</div>`;
}

type MarkLineItem = {
  xAxis: number;
  name: string;
  deployId: string;
  lineStyle: { color: string; type: 'solid' | 'dashed'; width: number };
  label: { show: boolean; formatter: () => string; color: string };
};

/**
 * echarts markLine / markArea data for the deploys: a vertical line at the
 * start (solid: reported, dashed: inferred from telemetry), and a shaded band
 * from start to finish for a deploy that took a while.
 */
export function deployMarks(deploys: readonly Deploy[], showLabels: boolean) {
  const lines: MarkLineItem[] = [];
  const areas: Array<[{ xAxis: number; itemStyle: { color: string } }, { xAxis: number }]> = [];
  for (const d of deploys) {
    const { startMs, endMs } = deployTimes(d);
    if (!Number.isFinite(startMs)) continue;
    const color = DEPLOY_COLORS[d.status];
    lines.push({
      xAxis: startMs,
      name: d.version,
      deployId: d.id,
      lineStyle: { color, type: d.source === 'reported' ? 'solid' : 'dashed', width: 1.5 },
      // Canvas text, not HTML: a version cannot inject markup here.
      // A function, not a template string: a version such as "{b}" is shown as it is.
      label: { show: showLabels, formatter: () => truncate(d.version, 18), color },
    });
    if (endMs !== undefined)
      areas.push([{ xAxis: startMs, itemStyle: { color: `${color}1a` } }, { xAxis: endMs }]);
  }
  return { lines, areas };
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
