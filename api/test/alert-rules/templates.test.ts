import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { humanize, humanizeDuration, humanizePercentage } from '../../src/alerts/rules/template-helpers.ts';
import {
  COMMON_VARIABLES,
  THRESHOLD_VARIABLES,
  checkTemplate,
  renderTemplate,
  type TemplateScope,
} from '../../src/alerts/rules/templates.ts';

const scope: TemplateScope = {
  variables: [...COMMON_VARIABLES, ...THRESHOLD_VARIABLES],
  labels: ['alertname', 'service', 'severity'],
};

describe('checkTemplate', () => {
  it.each([
    'plain text',
    '{{$value}} on {{$labels.service}}',
    '{{ $alert }}: {{humanizePercentage $value}} over {{$window}} (threshold {{$threshold}}, recovery {{$recovery}}, for {{$for}})',
    '{{#if $labels.service}}{{$labels.service}}{{else}}all{{/if}}',
    '{{#unless $value}}no value{{/unless}}',
    '{{#each $labels}}{{@key}}={{this}}{{#unless @last}}, {{/unless}}{{../$value}}{{@root.$alert}}{{/each}}',
    '{{humanize (toUpper $labels.service)}}',
    '{{{$value}}} {{!-- a comment --}} }}',
    'https://runbooks.example.com/{{$labels.service}}',
  ])('accepts %j', (text) => {
    expect(checkTemplate(text, scope)).toEqual([]);
  });

  it.each([
    ['{{value}}', 2, 'unknown variable "value"; did you mean $value?'],
    ['{{service}}', 2, 'did you mean $labels.service?'],
    [
      'on {{$labels.hots}}',
      5,
      '$labels.hots is not a label of this rule; its labels: alertname, service, severity',
    ],
    ['{{$labels}}', 2, 'write $labels.<name>'],
    ['{{$value.x}}', 2, '$value has no fields'],
    ['{{toUpper}}', 0, 'toUpper needs an argument'],
    ['{{lookup $labels "x"}}', 2, 'unknown helper "lookup"'],
    ['{{log $value}}', 2, 'unknown helper "log"'],
    ['{{humanize $value $value}}', 2, 'humanize takes one argument'],
    ['{{humanize x=1}}', 0, 'named arguments'],
    ['{{#with $labels}}{{/with}}', 0, '{{#with}} is not supported'],
    ['{{#each $value}}{{/each}}', 0, '{{#each}} only iterates over $labels'],
    ['{{#each $labels}}{{service}}{{/each}}', 19, 'inside {{#each $labels}}'],
    ['{{> partial}}', 0, 'partials and decorators are not supported'],
    ['{{../x}}', 2, 'goes above the template'],
    ['{{@index}}', 2, 'unknown variable @index'],
    ['a\n{{#if $value}} b', 18, 'template syntax error: expected a closing {{/...}}'],
    ['{{#if $value}}x{{/each}}', 3, "template error: if doesn't match each"],
    ['x {{', 4, 'template syntax error'],
  ])('rejects %j at %d: %s', (text, index, message) => {
    const problems = checkTemplate(text, scope);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]?.message).toContain(message);
    expect(problems[0]?.index).toBe(index);
  });

  it('absence rules have no threshold variables', () => {
    const absence: TemplateScope = { variables: [...COMMON_VARIABLES], labels: ['alertname'] };
    expect(checkTemplate('{{$threshold}}', absence)[0]?.message).toContain('unknown variable "$threshold"');
  });

  it('never throws, whatever the text', () => {
    const pieces = fc.constantFrom(
      '{{',
      '}}',
      '{{#',
      '{{/',
      '{{>',
      '{{!',
      '$value',
      '$labels.',
      'if',
      'each',
      ' ',
      'x',
      '@',
      '../',
      '"',
      '(',
      ')',
      '~',
      '=',
      '\n',
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.array(pieces, { maxLength: 20 }).map((p) => p.join('')),
        ),
        (text) => {
          for (const problem of checkTemplate(text, scope)) {
            expect(problem.message).not.toBe('');
            expect(problem.index).toBeGreaterThanOrEqual(0);
            expect(problem.index).toBeLessThanOrEqual(text.length);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('renderTemplate', () => {
  const data = {
    $alert: 'CheckoutHigh5xxRatio',
    $value: 0.0734,
    $threshold: 0.02,
    $recovery: 0.01,
    $window: '5m',
    $for: '3m',
    $labels: { alertname: 'CheckoutHigh5xxRatio', service: 'check<out>', severity: 'critical' },
  };

  it('renders variables, helpers and blocks, without HTML escaping', () => {
    expect(
      renderTemplate(
        '{{$labels.service}}: {{humanizePercentage $value}} > {{humanizePercentage $threshold}} over {{$window}}' +
          '{{#if $recovery}}, resolves under {{$recovery}}{{/if}} [{{#each $labels}}{{@key}}={{this}};{{/each}}]',
        data,
      ),
    ).toBe(
      'check<out>: 7.34% > 2% over 5m, resolves under 0.01 [alertname=CheckoutHigh5xxRatio;service=check<out>;severity=critical;]',
    );
  });

  it('reads labels as own properties only: names like constructor are plain labels', () => {
    expect(renderTemplate('[{{$labels.constructor}}]', { ...data, $labels: { constructor: 'c' } })).toBe(
      '[c]',
    );
    // And checkTemplate refuses any label the rule does not have, so a template never asks for __proto__.
    expect(checkTemplate('{{$labels.__proto__}}', scope)[0]?.message).toContain(
      'is not a label of this rule',
    );
  });
});

describe('helpers', () => {
  it.each([
    [0, '0'],
    [1, '1'],
    [1234, '1.234k'],
    [1234567, '1.235M'],
    [0.00123, '1.23m'],
    [-2500, '-2.5k'],
    [Number.NaN, 'NaN'],
    ['x', 'x'],
  ])('humanize(%j) = %s', (value, text) => {
    expect(humanize(value)).toBe(text);
  });

  it.each([
    [0.0734, '7.34%'],
    [1, '100%'],
    [0.123456, '12.35%'],
  ])('humanizePercentage(%j) = %s', (value, text) => {
    expect(humanizePercentage(value)).toBe(text);
  });

  it.each([
    [0, '0s'],
    [0.25, '250ms'],
    [90.5, '1m 30.5s'],
    [3600, '1h'],
    [93_784, '1d 2h 3m 4s'],
    [-90, '-1m 30s'],
  ])('humanizeDuration(%j) = %s', (value, text) => {
    expect(humanizeDuration(value)).toBe(text);
  });
});
