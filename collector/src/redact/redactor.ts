import { CoreErrors } from '@obshub/core';
import type { Attributes } from '../otlp/attributes.ts';
import { BUILTIN_NAMES, BUILTIN_RULES, REDACTED, SENSITIVE_KEY, type BuiltinRule } from './builtins.ts';
import { HINT, scanHints } from './hints.ts';

/** A user rule from collector.redaction.rules. */
export interface RedactionRuleConfig {
  name: string;
  /** JavaScript regular expression source. */
  pattern: string;
  /** RegExp flags; "g" is implied. */
  flags?: string;
  /** Replacement text; $1, $<name> and $& refer to the match as in String.replace. */
  replacement: string;
}

/** The shape of collector.redaction (the `enabled` switch is the caller's business). */
export interface RedactorConfig {
  builtins: readonly string[];
  rules: readonly RedactionRuleConfig[];
}

interface UserRule {
  readonly name: string;
  apply(text: string): string;
}

/** Flags a user rule may set; "y" (sticky) would stop replacing after the first gap. */
const ALLOWED_FLAGS = /^[dgimsuv]*$/;

/**
 * Strings a usable pattern must not match with an empty match: an empty match would
 * insert the replacement between characters, everywhere, and never settle.
 */
const EMPTY_MATCH_PROBES = [
  '',
  'a',
  ' ',
  '0',
  'a b',
  'The quick brown fox, 0123-4567 @ x=y "k":"v" /p?q#f\n',
];

/** Rounds of built-ins at most; no input found so far (fast-check, 10⁵ cases) changes in a third. */
const MAX_ROUNDS = 4;

/**
 * Whether key ends like password (rd), passwd (wd), secret (et), token (en), apikey (ey),
 * authorization (on) or cookie (ie), ignoring case; | 0x20 lowercases A-Z only.
 */
function hasSensitiveEnding(key: string): boolean {
  const n = key.length;
  if (n < 5) return false;
  const a = key.charCodeAt(n - 2) | 0x20;
  switch (key.charCodeAt(n - 1) | 0x20) {
    case 0x64: // d
      return a === 0x72 || a === 0x77;
    case 0x74: // t
    case 0x79: // y
      return a === 0x65;
    case 0x6e: // n
      return a === 0x65 || a === 0x6f;
    case 0x65: // e
      return a === 0x69;
    default:
      return false;
  }
}

/** Cached verdicts for attribute keys: keys repeat on every record, so test each once. */
const KEY_CACHE_LIMIT = 4096;

function configError(message: string): Error {
  return new CoreErrors.CONFIG_INVALID(`collector.redaction: ${message}`);
}

function compileUserRule(rule: RedactionRuleConfig, index: number): UserRule {
  const where = `rules[${index}] "${rule.name}"`;
  const flags = rule.flags ?? '';
  if (!ALLOWED_FLAGS.test(flags)) {
    throw configError(`${where} has flags "${flags}": use d, i, m, s, u or v ("g" is implied)`);
  }
  let re: RegExp;
  try {
    re = new RegExp(rule.pattern, flags.includes('g') ? flags : `${flags}g`);
  } catch (err) {
    throw configError(`${where} is not a valid regular expression: ${(err as Error).message}`);
  }
  for (const probe of EMPTY_MATCH_PROBES) {
    for (const m of probe.matchAll(re)) {
      if (m[0] === '') throw configError(`${where} can match the empty string; it must match some text`);
    }
  }
  const replacement = rule.replacement;
  return { name: rule.name, apply: (text) => text.replace(re, replacement) };
}

/**
 * Replaces secrets in log text before it is stored: the built-in rules named in the
 * config (in their fixed order, see BUILTIN_RULES), then the user rules in config order.
 * Built once at start-up; a bad rule is a configuration error naming it.
 *
 * Cost: a value shorter than every rule's shortest match, or without any rule's hint
 * (no "@", no 13-digit run, no credential word: see hints.ts), is returned as it came
 * without running a rule's pattern.
 */
export class Redactor {
  readonly ruleNames: readonly string[];
  private readonly builtins: readonly BuiltinRule[];
  private readonly userRules: readonly UserRule[];
  /** Shortest value any built-in can change. */
  private readonly minLength: number;
  private readonly sensitiveKeys: boolean;
  private readonly keyVerdicts = new Map<string, boolean>();

  constructor(config: RedactorConfig) {
    const unknown = config.builtins.filter((name) => !BUILTIN_NAMES.includes(name));
    if (unknown.length > 0) {
      throw configError(
        `unknown built-in rule${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u}"`).join(', ')} ` +
          `(valid: ${BUILTIN_NAMES.join(', ')})`,
      );
    }
    const builtins = BUILTIN_RULES.filter((r) => config.builtins.includes(r.name));
    const names = new Set<string>(builtins.map((r) => r.name));
    config.rules.forEach((rule, i) => {
      if (rule.name === '') throw configError(`rules[${i}] has no name`);
      if (names.has(rule.name)) throw configError(`rules[${i}] "${rule.name}": the name is already used`);
      names.add(rule.name);
    });
    this.builtins = builtins;
    this.userRules = config.rules.map(compileUserRule);
    this.ruleNames = [...names];
    this.minLength = Math.min(...builtins.map((r) => r.minLength));
    this.sensitiveKeys = config.builtins.includes('password-field');
    const scanned = HINT.AT | HINT.DIGITS | HINT.WORD;
    this.byteChecks = builtins.every((r) => r.hint !== 0 && (r.hint & ~scanned) === 0)
      ? { minLength: this.minLength, sensitiveKeys: this.sensitiveKeys }
      : null;
  }

  /**
   * What the byte-level checks of a value need (collector/wasm/log-transcoder.ts): the
   * shortest built-in match and whether credential keys are redacted; null with user
   * rules, whose patterns may match anything, so every value must be decoded.
   */
  byteRules(): { minLength: number; sensitiveKeys: boolean } | null {
    return this.userRules.length > 0 ? null : this.byteChecks;
  }

  /** null when a built-in's hint is not one of the bits the byte scans compute. */
  private readonly byteChecks: { minLength: number; sensitiveKeys: boolean } | null;

  /** True when no rule is configured: callers may skip redaction altogether. */
  get empty(): boolean {
    return this.builtins.length === 0 && this.userRules.length === 0;
  }

  /** The text with every secret the rules find replaced; the input itself when none is found. */
  redact(text: string): string {
    let out = text;
    if (text.length >= this.minLength) {
      // Until nothing changes: a replacement can make a new match for another rule (a card
      // "4111 1111 …" inside "http://4111 1111 ….x:p@" loses its spaces, and the URL
      // password pattern then matches). The stored text is thus one that no built-in
      // would change again; a second round runs only when the first redacted something.
      for (let round = 0; round < MAX_ROUNDS; round++) {
        const before = out;
        out = this.applyBuiltins(out);
        if (out === before) break;
      }
    }
    for (const rule of this.userRules) out = rule.apply(out);
    return out;
  }

  /**
   * Whether ASCII text with these scanByteHints() bits and this length, stored under
   * key (an attribute's; undefined for a body), would come out of redaction unchanged:
   * no user rule (they may match anything), no built-in whose hint is set and whose
   * shortest match fits, and not a credential key. Such text can be stored as its
   * bytes; anything else is decoded and redacted.
   */
  keepsAscii(hints: number, length: number, key: string | undefined): boolean {
    if (this.userRules.length > 0) return false;
    if (key !== undefined && this.sensitiveKeys && this.isSensitiveKey(key)) return false;
    if (hints === 0 || length < this.minLength) return true;
    // A loop, not builtins.some(): a closure per value is garbage the hot path does not need.
    for (const rule of this.builtins) if (mayMatch(rule, hints, length)) return false;
    return true;
  }

  private applyBuiltins(text: string): string {
    // One scan for all built-ins; a rule whose hint is missing cannot match.
    const hints = scanHints(text);
    if (hints === 0) return text;
    let out = text;
    for (const rule of this.builtins) {
      if (mayMatch(rule, hints, out.length)) out = rule.apply(out);
    }
    return out;
  }

  /**
   * Redacts attribute values in place (keys are kept as sent). With password-field on,
   * an attribute whose key ends with a credential word (db.password, x-api-key,
   * http.request.header.authorization) has its whole value replaced. The numeric copy
   * of a changed value is dropped, so that a card sent as an int does not survive as
   * a number. Returns attrs.
   */
  redactAttributes(attrs: Attributes): Attributes {
    let changedKeys: Set<string> | undefined;
    for (let i = 0; i < attrs.count; i++) {
      // A span (values[i] === '', see Attributes) was cleared by keepsAscii when it was read.
      const value = attrs.values[i] as string;
      if (value === '') continue;
      const key = attrs.keys[i] as string;
      const redacted = this.sensitiveKeys && this.isSensitiveKey(key) ? REDACTED : this.redact(value);
      if (redacted !== value) {
        attrs.values[i] = redacted;
        (changedKeys ??= new Set()).add(key);
      }
    }
    if (changedKeys !== undefined && attrs.numCount > 0) dropNumbers(attrs, changedKeys);
    return attrs;
  }

  private isSensitiveKey(key: string): boolean {
    // Most keys (service.name, http.request.method) end in none of the credential words'
    // last two letters: they leave before the cache lookup, which hashes the key.
    if (!hasSensitiveEnding(key)) return false;
    let verdict = this.keyVerdicts.get(key);
    if (verdict === undefined) {
      verdict = SENSITIVE_KEY.test(key);
      if (this.keyVerdicts.size < KEY_CACHE_LIMIT) this.keyVerdicts.set(key, verdict);
    }
    return verdict;
  }
}

/**
 * Whether a built-in can change text of this length with these hints: its hint is
 * there and the text is as long as its shortest match. The string path runs the
 * rule only then, and the byte path (keepsAscii) copies text only when no rule may.
 */
function mayMatch(rule: BuiltinRule, hints: number, length: number): boolean {
  return (hints & rule.hint) !== 0 && length >= rule.minLength;
}

/** Removes the numeric copies of the given keys, keeping the order of the rest. */
function dropNumbers(attrs: Attributes, keys: Set<string>): void {
  let kept = 0;
  for (let i = 0; i < attrs.numCount; i++) {
    const key = attrs.numKeys[i] as string;
    if (keys.has(key)) continue;
    attrs.numKeys[kept] = key;
    attrs.numValues[kept] = attrs.numValues[i] as number;
    kept++;
  }
  attrs.numCount = kept;
}
