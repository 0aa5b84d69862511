// One response against the expectations, and the checks table and excerpt shown from it.
import {
  describeExpectations,
  evaluate,
  expectationRows,
  fieldText,
  responseExcerpt,
  type Outcome,
} from './expectations.js';
import type { HttpResponse } from './client.js';

const response = (status: number, body: unknown, headers: HttpResponse['headers'] = {}): HttpResponse => ({
  status,
  headers,
  body: typeof body === 'string' ? body : JSON.stringify(body),
  url: 'http://app.test/host',
});

const expectations = { expectStatus: 200, expectJson: new Map([['imageUri', 'img:2']]) };

describe('evaluate', () => {
  test('names each unmet expectation and reads the hostname', () => {
    expect(evaluate(expectations, response(200, { imageUri: 'img:2', hostname: 'ip-10-0-0-1' }))).toEqual({
      problems: [],
      host: 'ip-10-0-0-1',
    });
    expect(evaluate(expectations, response(500, { imageUri: 'img:1' }))).toEqual({
      problems: ['status: expected 200, got 500', 'imageUri: expected "img:2", got "img:1"'],
      host: undefined,
    });
    expect(evaluate(expectations, response(200, { other: 1 })).problems).toEqual([
      'imageUri: expected "img:2", but the field is missing',
    ]);
  });

  test('a body that is not JSON is a problem only when fields are expected', () => {
    const html = response(200, '<html></html>', { 'content-type': 'text/html' });
    expect(evaluate({ expectStatus: 200, expectJson: new Map() }, html).problems).toEqual([]);
    expect(evaluate(expectations, html).problems).toEqual([
      'body: expected JSON with imageUri, got a body that is not JSON (text/html, 13 characters)',
    ]);
  });

  test('a redirect is shown with its target made absolute, or as sent when it is not a URL', () => {
    expect(evaluate(expectations, response(302, '', { location: '/v2' })).problems[0]).toMatch(
      /^status: expected 200, got a redirect \(302\) to http:\/\/app\.test\/v2, not followed/,
    );
    expect(evaluate(expectations, response(302, '', { location: 'http://[bad' })).problems[0]).toContain(
      'to http://[bad, not followed',
    );
  });
});

test('fieldText reads dotted paths and shows non-strings as JSON', () => {
  const doc = { a: { b: 'x', n: 3, list: [1, { c: true }] }, empty: null };
  expect(fieldText(doc, 'a.b')).toBe('x');
  expect(fieldText(doc, 'a.n')).toBe('3');
  expect(fieldText(doc, 'a.list.1.c')).toBe('true');
  expect(fieldText(doc, 'empty')).toBe('null');
  expect(fieldText(doc, 'a.missing')).toBeUndefined();
  expect(fieldText(doc, 'a.b.c')).toBeUndefined();
  expect(fieldText('text', 'length')).toBeUndefined();
});

test('the checks table shows every distinct answer seen', () => {
  const outcome = (r: HttpResponse): Outcome => ({ response: r, problems: [], latencyMs: 1 });
  const rows = expectationRows(expectations, outcome(response(200, { imageUri: 'img:2' })), [
    outcome(response(200, { imageUri: 'img:2' })),
    outcome(response(503, 'busy')),
    { error: 'connection refused', problems: ['connection refused'], latencyMs: 1 },
  ]);
  expect(rows).toEqual([
    { check: 'status', expected: '200', observed: '200, 503, connection refused', passed: false },
    { check: 'imageUri', expected: 'img:2', observed: 'img:2, (not JSON)', passed: false },
  ]);
});

test('describeExpectations and responseExcerpt say what was expected and what came back', () => {
  expect(describeExpectations(expectations)).toBe('status 200, imageUri = "img:2"');
  expect(responseExcerpt(response(500, ''))).toEqual([
    'Response: status 500 from http://app.test/host; body (first 500 characters, secrets redacted): (empty)',
  ]);
  expect(responseExcerpt(undefined)).toEqual([]);
});
