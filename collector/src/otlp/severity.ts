/**
 * OTLP severity numbers: 1-4 TRACE, 5-8 DEBUG, 9-12 INFO, 13-16 WARN,
 * 17-20 ERROR, 21-24 FATAL. Text is derived from the number when missing, and
 * the number from common text when the number is unset (0).
 */
const NAMES = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'] as const;

export function severityText(num: number): string {
  if (num < 1 || num > 24) return '';
  return NAMES[Math.floor((num - 1) / 4)] as string;
}

const FROM_TEXT: Record<string, number> = {
  trace: 1,
  debug: 5,
  info: 9,
  information: 9,
  notice: 10,
  warn: 13,
  warning: 13,
  error: 17,
  err: 17,
  critical: 21,
  crit: 21,
  fatal: 21,
  alert: 22,
  emerg: 23,
  emergency: 23,
  panic: 24,
};

export function severityFromText(text: string): number {
  const key = text.trim().toLowerCase();
  return Object.hasOwn(FROM_TEXT, key) ? (FROM_TEXT[key] as number) : 0;
}
