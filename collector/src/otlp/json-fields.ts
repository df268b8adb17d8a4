import { invalid } from './reader.ts';
import { parseNanos } from './nanos.ts';

/**
 * OTLP/JSON field access: lowerCamelCase as the spec says, with the proto field
 * names (snake_case) accepted too, as the reference collector does.
 */
export function field(obj: Record<string, unknown>, camel: string, snake: string): unknown {
  const v = obj[camel];
  return v !== undefined ? v : obj[snake];
}

export function asObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalid(`${what} must be an object`);
  return value as Record<string, unknown>;
}

export function asArray(value: unknown, what: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid(`${what} must be an array`);
  return value;
}

export function optString(value: unknown, what: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw invalid(`${what} must be a string`);
  return value;
}

/** 64-bit unsigned nanoseconds, as a decimal string or a number. */
export function optNanos(value: unknown, what: string): { lo: number; hi: number } {
  if (value === undefined || value === null) return { lo: 0, hi: 0 };
  const parsed = parseNanos(value);
  if (!parsed) throw invalid(`${what} must be an unsigned 64-bit integer`);
  return parsed;
}

/** Integers that may arrive as numbers or decimal strings (int64/uint64 mapping). */
export function optInt(value: unknown, what: string, min: number, max: number): number {
  if (value === undefined || value === null) return 0;
  const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw invalid(`${what} must be an integer in [${min}, ${max}]`);
  }
  return n;
}

export function optDouble(value: unknown, what: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return value;
  if (value === 'NaN') return NaN;
  if (value === 'Infinity') return Infinity;
  if (value === '-Infinity') return -Infinity;
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  throw invalid(`${what} must be a number`);
}

/** trace/span ids are hex in OTLP/JSON; empty or all-zero means none. */
export function optHexId(value: unknown, bytes: number, what: string): string {
  if (value === undefined || value === null || value === '') return '';
  if (typeof value !== 'string' || value.length !== bytes * 2 || !/^[0-9a-fA-F]+$/.test(value)) {
    throw invalid(`${what} must be ${bytes * 2} hex characters`);
  }
  return /^0+$/.test(value) ? '' : value.toLowerCase();
}
