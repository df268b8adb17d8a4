import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_ENV_VARIABLES, CoreErrors } from '../core/src/index.ts';
import { CollectorErrors } from '../collector/src/index.ts';
import { ApiErrors } from '../api/src/index.ts';

/**
 * The docs stay true to the code where a machine can tell: every environment
 * variable the configuration reads is documented, every error code of the three
 * catalogues is listed with its HTTP status, and no relative link is broken.
 * Needs no ClickHouse (the global setup still starts one for the run).
 */
const root = path.resolve(import.meta.dirname, '..');
const docsDir = path.join(root, 'docs');

function read(relative: string): string {
  return readFileSync(path.join(root, relative), 'utf8');
}

const markdownFiles = [
  'README.md',
  ...readdirSync(docsDir)
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
];

type ErrorClass = new (...args: string[]) => Error & { code: string; statusCode?: number };

/** Every error of a catalogue, instantiated with placeholder arguments to read its code and status. */
function codesOf(
  catalogue: Record<string, unknown>,
): Array<{ code: string; statusCode: number | undefined }> {
  return Object.values(catalogue).map((ErrorType) => {
    const err = new (ErrorType as ErrorClass)('x', 'x', 'x');
    return { code: err.code, statusCode: err.statusCode };
  });
}

/** Text without fenced code blocks and inline code, where link syntax is only an example. */
function withoutCode(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** Targets of inline links and images, `[text](target)` and `[text](<target> "title")`. */
function linkTargets(markdown: string): string[] {
  const targets: string[] = [];
  for (const m of withoutCode(markdown).matchAll(/!?\[[^\]]*\]\(\s*(<[^>]*>|[^\s)]+)(?:\s+"[^"]*")?\s*\)/g)) {
    targets.push((m[1] as string).replace(/^<|>$/g, ''));
  }
  return targets;
}

describe('environment variables', () => {
  const names = CONFIG_ENV_VARIABLES.map((v) => v.name);

  it('the configuration declares some', () => {
    expect(names.length).toBeGreaterThan(10);
  });

  it.each(['docs/configuration.md', 'README.md'])('%s mentions every one', (file) => {
    const text = read(file);
    const missing = names.filter((name) => !new RegExp(`\\b${name}\\b`).test(text));
    expect(missing).toEqual([]);
  });

  it('docs/configuration.md names the setting each one binds to', () => {
    const text = read('docs/configuration.md');
    const missing = CONFIG_ENV_VARIABLES.filter(({ path: setting }) => !text.includes(`\`${setting}\``)).map(
      (v) => `${v.name} → ${v.path}`,
    );
    expect(missing).toEqual([]);
  });
});

describe('error codes', () => {
  const catalogues = { CoreErrors, CollectorErrors, ApiErrors };
  /** Table rows of docs/errors.md as trimmed cells. */
  const rows = read('docs/errors.md')
    .split('\n')
    .filter((line) => line.trimStart().startsWith('|'))
    .map((line) =>
      line
        .trim()
        .replace(/^\||\|$/g, '')
        .split('|')
        .map((cell) => cell.trim()),
    );

  it.each(Object.keys(catalogues))(
    '%s: every code is listed in docs/errors.md with its HTTP status',
    (name) => {
      const entries = codesOf(catalogues[name as keyof typeof catalogues]);
      expect(entries.length).toBeGreaterThan(0);
      const problems: string[] = [];
      for (const { code, statusCode } of entries) {
        expect(code).toMatch(/^HUB_[A-Z0-9_]+$/);
        // The table row that introduces the code: its first cell is the code in backquotes.
        const row = rows.find((cells) => cells[0] === `\`${code}\``);
        if (!row) problems.push(`${code}: no table row`);
        else if (statusCode !== undefined && !row.includes(String(statusCode))) {
          problems.push(`${code}: row does not give HTTP ${statusCode}`);
        }
      }
      expect(problems).toEqual([]);
    },
  );

  it('codes are unique across the catalogues', () => {
    const all = Object.values(catalogues).flatMap((c) => codesOf(c).map((e) => e.code));
    expect(new Set(all).size).toBe(all.length);
  });
});

describe('relative links', () => {
  it('the docs folder has pages', () => {
    expect(markdownFiles.length).toBeGreaterThan(5);
  });

  it.each(markdownFiles)('%s: every relative link points at an existing file', (file) => {
    const broken: string[] = [];
    for (const target of linkTargets(read(file))) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue; // URL or same-page anchor
      const targetPath = decodeURIComponent(target.split('#')[0] as string);
      const resolved = path.resolve(path.dirname(path.join(root, file)), targetPath);
      if (!existsSync(resolved)) broken.push(target);
    }
    expect(broken).toEqual([]);
  });

  it('the link finder sees inline links and ignores code', () => {
    expect(linkTargets('see [a](docs/a.md#x) and ![b](<img b.png> "t")')).toEqual([
      'docs/a.md#x',
      'img b.png',
    ]);
    expect(linkTargets('`[not](a.md)`\n```\n[not](b.md)\n```\n[yes](c.md)')).toEqual(['c.md']);
  });
});
