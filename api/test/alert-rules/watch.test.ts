import { mkdtemp, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  watchRules,
  type RuleError,
  type RuleSet,
  type RuleSetDiff,
  type RuleWatcher,
} from '../../src/alerts/rules/index.ts';
import { groupWith, logRule } from './helpers.ts';

type WatchEvent =
  | { type: 'change'; ruleSet: RuleSet; diff: RuleSetDiff }
  | { type: 'invalid'; errors: readonly RuleError[]; kept: RuleSet };

/** Events of a watcher, awaited one at a time (no sleeping, no timing assertions). */
class Events {
  private readonly queue: WatchEvent[] = [];
  private waiting: ((e: WatchEvent) => void) | undefined;

  push(event: WatchEvent): void {
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve(event);
    } else this.queue.push(event);
  }

  next(): Promise<WatchEvent> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => (this.waiting = resolve));
  }
}

describe('watchRules', () => {
  let dir: string;
  let watcher: RuleWatcher | undefined;
  let events: Events;

  /** Writes like an editor: a hidden temporary file renamed over the target, so no half-written file is seen. */
  async function save(name: string, text: string): Promise<void> {
    const temp = path.join(dir, `.${name}.tmp`);
    await writeFile(temp, text);
    await rename(temp, path.join(dir, name));
  }

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'hub-rules-watch-'));
    events = new Events();
  });

  afterEach(async () => {
    watcher?.close();
    watcher = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  async function start(): Promise<RuleWatcher> {
    watcher = await watchRules({
      dir,
      debounceMs: 20,
      onChange: (ruleSet, diff) => events.push({ type: 'change', ruleSet, diff }),
      onInvalid: (errors, kept) => events.push({ type: 'invalid', errors, kept }),
    });
    return watcher;
  }

  it('reloads on change, keeps the previous rules while a file is invalid, and reports what changed', async () => {
    await save('shop.yaml', groupWith(logRule('A') + logRule('B')));
    const w = await start();
    expect(w.initial.errors).toEqual([]);
    const first = w.current();
    expect(first.rules.map((r) => r.alert)).toEqual(['A', 'B']);

    // An edit to one rule: A unchanged (its state would be kept), B changed.
    await save('shop.yaml', groupWith(logRule('A') + logRule('B').replace('window: 5m', 'window: 15m')));
    const changed = await events.next();
    expect(changed.type).toBe('change');
    if (changed.type !== 'change') return;
    expect(changed.diff.unchanged.map((r) => r.alert)).toEqual(['A']);
    expect(changed.diff.changed.map((c) => [c.after.alert, c.fields])).toEqual([['B', ['windowMs']]]);
    expect(w.current()).toBe(changed.ruleSet);

    // A broken file: reported with its position; the previous rules stay active.
    const valid = w.current();
    await save('shop.yaml', groupWith(logRule('A') + logRule('B', '        for: 5 minutes\n')));
    const invalid = await events.next();
    expect(invalid.type).toBe('invalid');
    if (invalid.type !== 'invalid') return;
    expect(invalid.errors).toEqual([
      expect.objectContaining({
        file: path.join(dir, 'shop.yaml'),
        code: 'HUB_RULES_DURATION',
        message: 'rule "B": for must be a duration like 5m, 1h30m or 90s, got "5 minutes"',
      }),
    ]);
    expect(invalid.kept).toBe(valid);
    expect(w.current()).toBe(valid);

    // A second file added and the first fixed: one reload brings both.
    await save('more.yml', groupWith(logRule('C')).replace('name: shop', 'name: more'));
    await save('shop.yaml', groupWith(logRule('A')));
    let next = await events.next();
    // Depending on how the events were batched, the new file may arrive while shop.yaml is still broken.
    while (next.type === 'invalid' || next.ruleSet.rules.length !== 2) next = await events.next();
    expect(next.ruleSet.rules.map((r) => `${r.group}/${r.alert}`).sort()).toEqual(['more/C', 'shop/A']);

    // A file removed: its rules are removed.
    await unlink(path.join(dir, 'more.yml'));
    const removed = await events.next();
    expect(removed.type).toBe('change');
    if (removed.type !== 'change') return;
    expect(removed.diff.removed.map((r) => r.alert)).toEqual(['C']);
    expect(w.current().rules.map((r) => r.alert)).toEqual(['A']);
  });

  it('reload() answers unchanged, changed or invalid, for the reload endpoint', async () => {
    await save('shop.yaml', groupWith(logRule('A')));
    const w = await start();
    w.close(); // only explicit reloads from here on
    expect((await w.reload()).status).toBe('unchanged');
    await writeFile(path.join(dir, 'shop.yaml'), groupWith(logRule('A', '        for: 1m\n')));
    const changed = await w.reload();
    expect(changed.status).toBe('changed');
    expect(changed.diff?.changed.map((c) => c.fields)).toEqual([['forMs']]);
    await writeFile(path.join(dir, 'shop.yaml'), 'groups: [');
    const invalid = await w.reload();
    expect(invalid).toMatchObject({ status: 'invalid', diff: null, ruleSet: changed.ruleSet });
    expect(invalid.errors[0]?.code).toBe('HUB_RULES_YAML');
  });

  it('an invalid folder at start leaves no rule active until a valid reload', async () => {
    await save('shop.yaml', 'groups: [');
    const w = await start();
    expect(w.initial.ruleSet).toBeNull();
    expect(w.initial.errors).toHaveLength(1);
    expect(w.current().rules).toEqual([]);
    await save('shop.yaml', groupWith(logRule('A')));
    const change = await events.next();
    expect(change.type).toBe('change');
    expect(w.current().rules.map((r) => r.alert)).toEqual(['A']);
  });
});
