import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { DURATION_PATTERN, formatDuration, parseDuration } from '../rules/durations.ts';
import { Reporter } from '../rules/reporter.ts';
import {
  RULE_ERROR_CODES as CODES,
  describeValue,
  sortRuleErrors,
  type RuleError,
} from '../rules/rule-error.ts';
import { fieldName, schemaProblems } from '../rules/schema-errors.ts';
import { SourceMap, type PathSegment } from '../rules/source-map.ts';
import { compilePattern, compileMatcher, matcherText, type LabelMatcher } from './matchers.ts';
import {
  ROUTE_DEFAULTS,
  ROUTE_LIMITS,
  RoutingFile,
  type Receiver,
  type RouteNode,
} from './routing-schema.ts';
import type { Routing, RouteSpec } from './routing-model.ts';

/**
 * Reads the routing file: YAML with positions, the schema, then what a schema
 * cannot say (durations within bounds, unique receiver names, routes naming
 * receivers that exist, regular expressions that compile). Errors carry the
 * file, line and column, as the rule loader's do (`hub rules check` prints both).
 */

export interface RoutingLoadResult {
  readonly file: string;
  readonly errors: readonly RuleError[];
  /** Null when there is any error: a routing file is taken whole or not at all. */
  readonly routing: Routing | null;
}

interface Settings {
  receiver: string | null;
  groupBy: readonly string[] | 'all';
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
  sendResolved: boolean;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Defaults of the root route, as a route without any file has them. */
export const DEFAULT_SETTINGS: Settings = {
  receiver: null,
  groupBy: ROUTE_DEFAULTS.group_by,
  groupWaitMs: parseDuration(ROUTE_DEFAULTS.group_wait) as number,
  groupIntervalMs: parseDuration(ROUTE_DEFAULTS.group_interval) as number,
  repeatIntervalMs: parseDuration(ROUTE_DEFAULTS.repeat_interval) as number,
  sendResolved: ROUTE_DEFAULTS.send_resolved,
};

/** Routing with no receiver and no route: only the rules' own receivers are notified. */
export const EMPTY_ROUTING: Routing = {
  receivers: new Map(),
  root: { id: '{}', matchers: [], continue: false, routes: [], ...DEFAULT_SETTINGS },
};

function durationField(
  report: Reporter,
  path: readonly PathSegment[],
  node: Record<string, unknown>,
  key: keyof typeof ROUTE_LIMITS,
  inherited: number,
): number {
  const value = node[key];
  if (typeof value !== 'string') return inherited;
  const ms = parseDuration(value);
  if (ms === undefined) return inherited; // the schema has reported it
  const limit = ROUTE_LIMITS[key];
  if (ms < limit.minMs || ms > limit.maxMs) {
    report.at(
      CODES.DURATION,
      [...path, key],
      `${fieldName([...path, key])} must be between ${formatDuration(limit.minMs)} and ${formatDuration(limit.maxMs)}, got ${describeValue(value)}`,
    );
    return inherited;
  }
  return ms;
}

function buildRoute(
  report: Reporter,
  node: RouteNode,
  path: readonly PathSegment[],
  parent: Settings,
  parentId: string,
  receivers: ReadonlyMap<string, Receiver>,
  siblingIds: Set<string>,
  isRoot = false,
): RouteSpec {
  const raw = node as unknown as Record<string, unknown>;
  const matchers = (node.matchers ?? []).flatMap((m: LabelMatcher, i) => {
    if (m.op === '=~' || m.op === '!~') {
      const re = compilePattern(m.value);
      if (typeof re === 'string') {
        report.at(CODES.ROUTING, [...path, 'matchers', i, 'value'], `invalid regular expression: ${re}`);
        return [];
      }
    }
    return [compileMatcher(m)];
  });
  if (node.receiver !== undefined && !receivers.has(node.receiver)) {
    const known = [...receivers.keys()].map((n) => JSON.stringify(n)).join(', ');
    report.at(
      CODES.ROUTING,
      [...path, 'receiver'],
      `unknown receiver ${JSON.stringify(node.receiver)} (receivers: ${known || 'none'})`,
    );
  }
  const settings: Settings = {
    receiver: node.receiver ?? parent.receiver,
    groupBy: node.group_by ? (node.group_by.includes('...') ? 'all' : node.group_by) : parent.groupBy,
    groupWaitMs: durationField(report, path, raw, 'group_wait', parent.groupWaitMs),
    groupIntervalMs: durationField(report, path, raw, 'group_interval', parent.groupIntervalMs),
    repeatIntervalMs: durationField(report, path, raw, 'repeat_interval', parent.repeatIntervalMs),
    sendResolved: node.send_resolved ?? parent.sendResolved,
  };
  // A stable id from the matchers on the way down (not the position), so reordering routes keeps groups.
  const own = `{${(node.matchers ?? []).map(matcherText).join(',')}}`;
  let id = isRoot ? '{}' : `${parentId}/${own}`;
  if (siblingIds.has(id)) id = `${id}#${String(path[path.length - 1])}`;
  siblingIds.add(id);
  const children = new Set<string>();
  return {
    id,
    matchers,
    continue: node.continue ?? false,
    ...settings,
    routes: (node.routes ?? []).map((child, i) =>
      buildRoute(report, child, [...path, 'routes', i], settings, id, receivers, children),
    ),
  };
}

/** Parses and validates the text of a routing file. Never throws. */
export function parseRoutingText(text: string, file: string): RoutingLoadResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, merge: true, uniqueKeys: true });
  const map = new SourceMap(doc, lines, text);
  const report = new Reporter(file, map);
  const done = (routing: Routing | null): RoutingLoadResult => ({
    file,
    errors: sortRuleErrors(report.errors),
    routing: report.errors.length > 0 ? null : routing,
  });
  for (const problem of [...doc.errors, ...doc.warnings]) {
    report.atOffset(CODES.YAML, problem.pos[0], `invalid YAML: ${problem.message.split('\n')[0] ?? ''}`);
  }
  if (report.count > 0) return done(null);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    report.atOffset(CODES.YAML, 0, `invalid YAML: ${(err as Error).message}`);
    return done(null);
  }
  if (!isRecord(data)) {
    report.atOffset(CODES.FILE, 0, 'a routing file is a mapping with receivers: and route:');
    return done(null);
  }
  for (const p of schemaProblems(RoutingFile, data)) {
    const duration = (p.schema as { pattern?: unknown }).pattern === DURATION_PATTERN && p.anchor === 'value';
    report.at(duration ? CODES.DURATION : CODES.SCHEMA, p.path, p.message, p.anchor);
  }
  if (report.count > 0) return done(null);
  const file_ = data as unknown as { receivers: Receiver[]; route: RouteNode };
  const receivers = new Map<string, Receiver>();
  file_.receivers.forEach((r, i) => {
    if (receivers.has(r.name)) {
      report.at(
        CODES.DUPLICATE,
        ['receivers', i, 'name'],
        `receiver ${JSON.stringify(r.name)} is defined twice`,
      );
    } else receivers.set(r.name, r);
  });
  const root = buildRoute(report, file_.route, ['route'], DEFAULT_SETTINGS, '', receivers, new Set(), true);
  return done({ receivers, root });
}

/** Reads a routing file; a missing file is EMPTY_ROUTING when `optional`. */
export async function loadRoutingFile(
  file: string,
  options: { optional?: boolean } = {},
): Promise<RoutingLoadResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (options.optional && (err as NodeJS.ErrnoException).code === 'ENOENT') {
      return { file, errors: [], routing: EMPTY_ROUTING };
    }
    return {
      file,
      errors: [
        {
          file,
          line: 1,
          column: 1,
          code: CODES.FILE,
          message: `cannot read the file: ${(err as Error).message}`,
        },
      ],
      routing: null,
    };
  }
  return parseRoutingText(text, file);
}
