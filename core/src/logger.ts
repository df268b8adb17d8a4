import pino, { type Logger } from 'pino';
import { logs, SeverityNumber } from '@opentelemetry/api-logs';

export type { Logger } from 'pino';

const SEVERITY: Record<number, SeverityNumber> = {
  10: SeverityNumber.TRACE,
  20: SeverityNumber.DEBUG,
  30: SeverityNumber.INFO,
  40: SeverityNumber.WARN,
  50: SeverityNumber.ERROR,
  60: SeverityNumber.FATAL,
};

/**
 * The hub's logger: pino to stdout, and every record also handed to the
 * OpenTelemetry logs API, so that when self-telemetry is on the hub's own logs
 * arrive in the hub (service hub-collector / hub-api). Without a registered
 * LoggerProvider the OTel side is a no-op.
 */
export function createLogger(name: string, level: string): Logger {
  const otel = logs.getLogger(name);
  return pino({
    name,
    level,
    hooks: {
      logMethod(args, method, levelNumber) {
        const [first, second] = args as unknown[];
        const message = typeof first === 'string' ? first : typeof second === 'string' ? second : '';
        const attributes: Record<string, string | number | boolean> = {};
        if (typeof first === 'object' && first !== null) {
          for (const [k, v] of Object.entries(first)) {
            if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') attributes[k] = v;
            else if (v instanceof Error) attributes['exception.message'] = v.message;
          }
        }
        otel.emit({
          severityNumber: SEVERITY[levelNumber] ?? SeverityNumber.INFO,
          severityText: pino.levels.labels[levelNumber]?.toUpperCase() ?? 'INFO',
          body: message,
          attributes,
        });
        method.apply(this, args);
      },
    },
  });
}
