/** Severity groups of OpenTelemetry's severity_number, with the UI's colours. */
export const SEVERITY_GROUPS = ['unknown', 'trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type SeverityGroup = (typeof SEVERITY_GROUPS)[number];

export const SEVERITY_COLORS: Readonly<Record<SeverityGroup, string>> = {
  unknown: '#8c959f',
  trace: '#a371f7',
  debug: '#6e7781',
  info: '#2f81f7',
  warn: '#d4a72c',
  error: '#e5534b',
  fatal: '#8e1519',
};

export function severityGroup(n: number): SeverityGroup {
  if (n <= 0) return 'unknown';
  if (n <= 4) return 'trace';
  if (n <= 8) return 'debug';
  if (n <= 12) return 'info';
  if (n <= 16) return 'warn';
  if (n <= 20) return 'error';
  return 'fatal';
}

/** The query term that finds a severity group (records without one: `-severity:*`). */
export function severityTerm(group: string, exclude = false): string {
  if (group === 'unknown') return exclude ? 'severity:*' : '-severity:*';
  return `${exclude ? '-' : ''}severity:${group}`;
}
