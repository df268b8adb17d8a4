import Handlebars from 'handlebars';
import { TEMPLATE_HELPERS } from './template-helpers.ts';

/**
 * Alert templates (annotations: summary, description, runbook_url) in
 * Handlebars, with Prometheus' variable names: `{{$value}}`,
 * `{{$labels.service}}`, `{{humanizePercentage $value}}`, `{{#if ...}}`,
 * `{{#each $labels}}{{@key}}={{this}} {{/each}}`.
 *
 * Handlebars because it is well kept, logic-less enough (no expressions, no
 * code in templates, no prototype access), and its parser gives an AST with
 * positions: checkTemplate() walks it so that a template uses only the
 * variables of its rule, the helpers below, and if / unless / each; no partials,
 * no decorators, no other built-in helpers. Output is not HTML-escaped: the
 * notifiers escape for their own medium.
 */

/** Variables every rule's templates have. */
export const COMMON_VARIABLES = ['$alert', '$value', '$labels', '$for'] as const;
/** Extra variables of the rules that compare with a threshold (log, metric). */
export const THRESHOLD_VARIABLES = ['$threshold', '$recovery', '$window'] as const;

/** What a template of one rule may refer to. */
export interface TemplateScope {
  /** Variable names with their `$`, e.g. $value. */
  readonly variables: readonly string[];
  /** Label names the rule's alerts have, for $labels.<name>. */
  readonly labels: readonly string[];
}

/** A problem in a template, at a UTF-16 offset of its text. */
export interface TemplateProblem {
  readonly message: string;
  readonly index: number;
}

/** The data a template is rendered with. */
export interface TemplateData {
  readonly $alert: string;
  /** The value that was compared (or, for an absence rule, the seconds without data); null: no data. */
  readonly $value: number | null;
  readonly $labels: Readonly<Record<string, string>>;
  readonly $for: string;
  readonly $threshold?: number;
  readonly $recovery?: number | null;
  readonly $window?: string;
}

const BLOCK_HELPERS = new Set(['if', 'unless', 'each']);
const EACH_DATA = new Set(['key', 'index', 'first', 'last']);

const handlebars = Handlebars.create();
for (const [name, helper] of Object.entries(TEMPLATE_HELPERS)) handlebars.registerHelper(name, helper);

const COMPILE_OPTIONS = {
  strict: true,
  noEscape: true,
  knownHelpersOnly: true,
  knownHelpers: Object.fromEntries(Object.keys(TEMPLATE_HELPERS).map((name) => [name, true])),
} as const;

type Scope = 'root' | 'label';
type AnyNode = hbs.AST.Node & Record<string, unknown>;

class Checker {
  readonly problems: TemplateProblem[] = [];
  private readonly lineStarts: number[] = [0];

  constructor(
    text: string,
    private readonly scope: TemplateScope,
  ) {
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') this.lineStarts.push(i + 1);
  }

  program(program: hbs.AST.Program, scopes: readonly Scope[]): void {
    for (const statement of program.body) this.statement(statement as AnyNode, scopes);
  }

  private report(node: hbs.AST.Node, message: string): void {
    const start = node.loc?.start;
    const index = start ? (this.lineStarts[start.line - 1] ?? 0) + start.column : 0;
    this.problems.push({ message, index });
  }

  private statement(node: AnyNode, scopes: readonly Scope[]): void {
    switch (node.type) {
      case 'ContentStatement':
      case 'CommentStatement':
        return;
      case 'MustacheStatement': {
        const m = node as unknown as hbs.AST.MustacheStatement;
        if (m.hash && m.hash.pairs.length > 0)
          return this.report(m, 'named arguments (x=y) are not supported');
        if (m.params.length > 0) return this.helperCall(m.path, m.params, scopes);
        if (m.path.type !== 'PathExpression') return this.report(m, 'write a variable, e.g. {{$value}}');
        const path = m.path as hbs.AST.PathExpression;
        if (!path.data && path.depth === 0 && path.parts.length === 1 && TEMPLATE_HELPERS[path.original])
          return this.report(m, `${path.original} needs an argument, e.g. {{${path.original} $value}}`);
        return this.path(path, scopes);
      }
      case 'BlockStatement':
        return this.block(node as unknown as hbs.AST.BlockStatement, scopes);
      default:
        return this.report(node, 'partials and decorators are not supported in alert templates');
    }
  }

  private block(block: hbs.AST.BlockStatement, scopes: readonly Scope[]): void {
    const name = block.path.type === 'PathExpression' ? block.path.original : '';
    if (!BLOCK_HELPERS.has(name)) {
      return this.report(block, `{{#${name}}} is not supported: use #if, #unless or #each`);
    }
    if (block.params.length !== 1 || (block.hash && block.hash.pairs.length > 0)) {
      return this.report(block, `{{#${name}}} takes exactly one argument`);
    }
    if (block.program.blockParams && block.program.blockParams.length > 0) {
      return this.report(block, 'block parameters (as |x|) are not supported');
    }
    const param = block.params[0] as AnyNode;
    if (name === 'each') {
      const p = param as unknown as hbs.AST.PathExpression;
      const target = p.type === 'PathExpression' ? this.target(p, scopes) : undefined;
      if (p.type !== 'PathExpression' || p.data || target !== 'root' || p.parts.join('.') !== '$labels') {
        return this.report(block, '{{#each}} only iterates over $labels');
      }
      this.program(block.program, [...scopes, 'label']);
    } else {
      this.expression(param, scopes);
      this.program(block.program, scopes);
    }
    if (block.inverse) this.program(block.inverse, scopes);
  }

  private helperCall(path: hbs.AST.Expression, params: hbs.AST.Expression[], scopes: readonly Scope[]): void {
    const p = path as hbs.AST.PathExpression;
    const name = p.type === 'PathExpression' && !p.data && p.depth === 0 ? p.original : '';
    if (!TEMPLATE_HELPERS[name]) {
      const known = Object.keys(TEMPLATE_HELPERS).join(', ');
      return this.report(path, `unknown helper ${JSON.stringify(p.original ?? name)}; helpers: ${known}`);
    }
    if (params.length !== 1) return this.report(path, `${name} takes one argument`);
    this.expression(params[0] as AnyNode, scopes);
  }

  private expression(node: AnyNode, scopes: readonly Scope[]): void {
    if (node.type === 'PathExpression') return this.path(node as unknown as hbs.AST.PathExpression, scopes);
    if (node.type === 'SubExpression') {
      const sub = node as unknown as hbs.AST.SubExpression;
      if (sub.hash && sub.hash.pairs.length > 0)
        return this.report(sub, 'named arguments (x=y) are not supported');
      return this.helperCall(sub.path, sub.params, scopes);
    }
    // String, number, boolean, null and undefined literals.
  }

  /** The scope a path reads from after its ../ steps, or undefined above the template. */
  private target(path: hbs.AST.PathExpression, scopes: readonly Scope[]): Scope | undefined {
    return scopes[scopes.length - 1 - path.depth];
  }

  private path(path: hbs.AST.PathExpression, scopes: readonly Scope[]): void {
    let parts = path.parts;
    let scope = this.target(path, scopes);
    if (scope === undefined) return this.report(path, `${path.original} goes above the template`);
    if (path.data) {
      const [head, ...rest] = parts;
      if (head === 'root') {
        parts = rest;
        scope = 'root';
      } else if (scope === 'label' && head !== undefined && EACH_DATA.has(head) && rest.length === 0) {
        return;
      } else {
        return this.report(path, `unknown variable ${path.original}`);
      }
    }
    if (scope === 'label') {
      if (parts.length === 0) return;
      return this.report(
        path,
        `${path.original}: inside {{#each $labels}}, {{@key}} is the label name and {{this}} its value; ` +
          'rule variables are reached with ../ (e.g. {{../$value}})',
      );
    }
    this.rootPath(path, parts);
  }

  private rootPath(node: hbs.AST.PathExpression, parts: readonly string[]): void {
    const [head, ...rest] = parts;
    const { variables, labels } = this.scope;
    if (head === undefined) return this.report(node, 'write a variable, e.g. {{$value}}');
    if (head === '$labels') {
      if (rest.length !== 1) {
        return this.report(
          node,
          'write $labels.<name>, e.g. {{$labels.service}}, or iterate with {{#each $labels}}',
        );
      }
      const label = rest[0] as string;
      if (labels.includes(label)) return;
      return this.report(
        node,
        `$labels.${label} is not a label of this rule; its labels: ${labels.join(', ') || 'none'}`,
      );
    }
    if (variables.includes(head)) {
      if (rest.length === 0) return;
      return this.report(node, `${head} has no fields`);
    }
    let hint = '';
    if (variables.includes(`$${head}`)) hint = `; did you mean $${head}?`;
    else if (labels.includes(head)) hint = `; did you mean $labels.${head}?`;
    this.report(
      node,
      `unknown variable ${JSON.stringify(node.original)}${hint} (variables: ${variables.join(', ')})`,
    );
  }
}

/** Token names of the Handlebars grammar, as a person would call them. */
const TOKENS: Readonly<Record<string, string>> = {
  EOF: 'the end of the template',
  CLOSE: '"}}"',
  CLOSE_UNESCAPED: '"}}}"',
  OPEN_ENDBLOCK: 'a closing {{/...}}',
  INVALID: 'an invalid character',
  ID: 'a name',
  OPEN: '"{{"',
  CLOSE_SEXPR: '")"',
};

interface JisonLexer {
  yylloc?: { first_line: number; first_column: number };
}

/** Message and offset of a Handlebars parse error ("Parse error on line 2: ... got 'EOF'"). */
function parseProblem(err: Error, text: string): TemplateProblem {
  const exception = err as Error & { lineNumber?: number; column?: number };
  const lineStart = (line: number): number => {
    let offset = 0;
    for (let l = 1; l < line; l++) {
      const next = text.indexOf('\n', offset);
      if (next < 0) break;
      offset = next + 1;
    }
    return offset;
  };
  // Errors raised after parsing ("if doesn't match each") carry their position.
  if (typeof exception.lineNumber === 'number' && typeof exception.column === 'number') {
    const message = err.message.replace(/ - \d+:\d+$/, '');
    return {
      message: `template error: ${message}`,
      index: lineStart(exception.lineNumber) + exception.column,
    };
  }
  const got = /got '([^']+)'/.exec(err.message)?.[1];
  if (got === undefined) {
    const first = err.message.split('\n')[0] ?? err.message;
    return { message: `template syntax error: ${first}`, index: 0 };
  }
  const expecting = [...(/Expecting (.*), got/.exec(err.message)?.[1] ?? '').matchAll(/'([^']+)'/g)]
    .map((m) => TOKENS[m[1] as string])
    .filter((t): t is string => t !== undefined);
  const found = TOKENS[got] ?? got;
  let index = 0;
  if (got === 'EOF') index = text.length;
  else {
    // The lexer keeps the location of the token it stopped at (jison's yylloc).
    const lexer = (Handlebars as unknown as { Parser?: { lexer?: JisonLexer } }).Parser?.lexer;
    const at = lexer?.yylloc;
    if (at) index = lineStart(at.first_line) + at.first_column;
  }
  const message =
    expecting.length > 0
      ? `expected ${[...new Set(expecting)].join(' or ')} but found ${found}`
      : `unexpected ${found}`;
  return { message: `template syntax error: ${message}`, index };
}

/** Every problem of a template for a rule's scope; empty when it is fine. Never throws. */
export function checkTemplate(text: string, scope: TemplateScope): TemplateProblem[] {
  let program: hbs.AST.Program;
  try {
    program = handlebars.parse(text);
  } catch (err) {
    return [parseProblem(err as Error, text)];
  }
  const checker = new Checker(text, scope);
  checker.program(program, ['root']);
  if (checker.problems.length > 0) return checker.problems;
  try {
    handlebars.precompile(text, COMPILE_OPTIONS);
  } catch (err) {
    return [{ message: `template error: ${(err as Error).message.split('\n')[0] ?? ''}`, index: 0 }];
  }
  return [];
}

const compiled = new Map<string, HandlebarsTemplateDelegate<TemplateData>>();

/**
 * Renders a template that checkTemplate() accepted. Compiled templates are
 * cached by text (rule files hold a bounded number of them).
 */
export function renderTemplate(text: string, data: TemplateData): string {
  let template = compiled.get(text);
  if (template === undefined) {
    if (compiled.size >= 1000) compiled.clear();
    template = handlebars.compile<TemplateData>(text, COMPILE_OPTIONS);
    compiled.set(text, template);
  }
  return template(data);
}
