/**
 * A small evaluator of GitHub Actions expressions (`${{ }}`), enough to render what the
 * workflows pass to the actions: contexts (`inputs`, `vars`, `steps`, `needs`, `env`, `github`,
 * ...), property access, literals, `!`, `==`, `!=`, `<`, `<=`, `>`, `>=`, `&&`, `||` (which return
 * an operand, not a boolean), and the functions the workflows use (`fromJSON`, `toJSON`,
 * `format`, `contains`, `startsWith`, `endsWith`, `join`, and the status checks).
 * Semantics follow https://docs.github.com/en/actions/reference/workflows-and-actions/expressions:
 * falsy are false, 0, '', null (and NaN); `==` compares strings case-insensitively and coerces
 * mixed types to numbers; a missing property is null; context and property names are
 * case-insensitive. Tests use it to render steps' inputs from sample outputs, and `npm run demo`
 * can use it to run the actions with exactly what the workflows would give them.
 */

export type Value = null | boolean | number | string | Value[] | { [key: string]: Value };
export type Context = Record<string, Value>;

type Token =
  | { kind: 'number'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'ident'; value: string }
  | { kind: 'op'; value: string };

const OPERATORS = ['||', '&&', '==', '!=', '<=', '>=', '<', '>', '!', '(', ')', '[', ']', '.', ','];

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new Error(`unterminated string in ${text}`);
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text[i++];
      }
      tokens.push({ kind: 'string', value });
    } else if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(text[i + 1] ?? ''))) {
      const match = /^-?(0x[0-9a-fA-F]+|[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?)/.exec(text.slice(i))!;
      tokens.push({ kind: 'number', value: Number(match[0]) });
      i += match[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const match = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(text.slice(i))!;
      tokens.push({ kind: 'ident', value: match[0] });
      i += match[0].length;
    } else {
      const op = OPERATORS.find((o) => text.startsWith(o, i));
      if (!op) throw new Error(`unexpected '${c}' in ${text}`);
      tokens.push({ kind: 'op', value: op });
      i += op.length;
    }
  }
  return tokens;
}

export function truthy(value: Value): boolean {
  if (value === null || value === false || value === 0 || value === '') return false;
  if (typeof value === 'number' && Number.isNaN(value)) return false;
  return true;
}

function toNumber(value: Value): number {
  if (value === null) return 0;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return value.trim() === '' ? 0 : Number(value);
  return NaN;
}

function looseEquals(a: Value, b: Value): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  if (typeof a === 'object' || typeof b === 'object') {
    if (a === null && b === null) return true;
    if (a !== null && typeof a === 'object') return a === b;
    if (b !== null && typeof b === 'object') return false;
  }
  if (typeof a === typeof b) return a === b;
  return toNumber(a) === toNumber(b);
}

function compare(a: Value, b: Value): number {
  if (typeof a === 'string' && typeof b === 'string') {
    const [x, y] = [a.toLowerCase(), b.toLowerCase()];
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return toNumber(a) - toNumber(b);
}

function property(target: Value, name: string): Value {
  if (target === null || typeof target !== 'object') return null;
  if (Array.isArray(target)) {
    const index = Number(name);
    return Number.isInteger(index) ? (target[index] ?? null) : null;
  }
  if (name in target) return target[name] ?? null;
  const key = Object.keys(target).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? null : (target[key] ?? null);
}

/** How a value reads when pasted into a string. */
export function stringify(value: Value): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  return JSON.stringify(value, null, 2);
}

function format(template: string, args: Value[]): string {
  return template.replace(/\{\{|\}\}|\{(\d+)\}/g, (whole, index: string | undefined) => {
    if (whole === '{{') return '{';
    if (whole === '}}') return '}';
    const i = Number(index);
    if (i >= args.length) throw new Error(`format: no argument {${i}} for '${template}'`);
    return stringify(args[i]!);
  });
}

function call(name: string, args: Value[]): Value {
  switch (name.toLowerCase()) {
    case 'fromjson': {
      const text = stringify(args[0] ?? null);
      try {
        return JSON.parse(text) as Value;
      } catch {
        throw new Error(`fromJSON: not JSON: ${JSON.stringify(text.slice(0, 80))}`);
      }
    }
    case 'tojson':
      return JSON.stringify(args[0] ?? null, null, 2);
    case 'format':
      return format(stringify(args[0] ?? null), args.slice(1));
    case 'contains': {
      const [haystack, needle] = args;
      if (Array.isArray(haystack)) return haystack.some((v) => looseEquals(v, needle ?? null));
      return stringify(haystack ?? null)
        .toLowerCase()
        .includes(stringify(needle ?? null).toLowerCase());
    }
    case 'startswith':
      return stringify(args[0] ?? null)
        .toLowerCase()
        .startsWith(stringify(args[1] ?? null).toLowerCase());
    case 'endswith':
      return stringify(args[0] ?? null)
        .toLowerCase()
        .endsWith(stringify(args[1] ?? null).toLowerCase());
    case 'join': {
      const [list, separator] = args;
      const glue = separator === undefined ? ',' : stringify(separator);
      return Array.isArray(list) ? list.map(stringify).join(glue) : stringify(list ?? null);
    }
    case 'success':
    case 'always':
      return true;
    case 'failure':
    case 'cancelled':
      return false;
    default:
      throw new Error(`unknown function ${name}()`);
  }
}

class Parser {
  private i = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly context: Context,
    private readonly source: string,
  ) {}

  parse(): Value {
    const value = this.or();
    if (this.i < this.tokens.length)
      throw new Error(`unexpected ${JSON.stringify(this.tokens[this.i])} in ${this.source}`);
    return value;
  }

  private peek(op: string): boolean {
    const t = this.tokens[this.i];
    return t?.kind === 'op' && t.value === op;
  }

  private expect(op: string): void {
    if (!this.peek(op)) throw new Error(`expected '${op}' in ${this.source}`);
    this.i++;
  }

  private or(): Value {
    let left = this.and();
    while (this.peek('||')) {
      this.i++;
      const right = this.and();
      left = truthy(left) ? left : right;
    }
    return left;
  }

  private and(): Value {
    let left = this.equality();
    while (this.peek('&&')) {
      this.i++;
      const right = this.equality();
      left = truthy(left) ? right : left;
    }
    return left;
  }

  private equality(): Value {
    let left = this.comparison();
    while (this.peek('==') || this.peek('!=')) {
      const op = (this.tokens[this.i++] as { value: string }).value;
      const right = this.comparison();
      left = op === '==' ? looseEquals(left, right) : !looseEquals(left, right);
    }
    return left;
  }

  private comparison(): Value {
    let left = this.unary();
    while (this.peek('<') || this.peek('<=') || this.peek('>') || this.peek('>=')) {
      const op = (this.tokens[this.i++] as { value: string }).value;
      const d = compare(left, this.unary());
      left = op === '<' ? d < 0 : op === '<=' ? d <= 0 : op === '>' ? d > 0 : d >= 0;
    }
    return left;
  }

  private unary(): Value {
    if (this.peek('!')) {
      this.i++;
      return !truthy(this.unary());
    }
    return this.postfix();
  }

  private postfix(): Value {
    let value = this.primary();
    for (;;) {
      if (this.peek('.')) {
        this.i++;
        const name = this.tokens[this.i++];
        if (name?.kind !== 'ident') throw new Error(`expected a property name in ${this.source}`);
        value = property(value, name.value);
      } else if (this.peek('[')) {
        this.i++;
        const key = this.or();
        this.expect(']');
        value = property(value, stringify(key));
      } else {
        return value;
      }
    }
  }

  private primary(): Value {
    const t = this.tokens[this.i++];
    if (!t) throw new Error(`unexpected end of ${this.source}`);
    if (t.kind === 'number' || t.kind === 'string') return t.value;
    if (t.kind === 'op' && t.value === '(') {
      const value = this.or();
      this.expect(')');
      return value;
    }
    if (t.kind === 'ident') {
      if (t.value === 'true') return true;
      if (t.value === 'false') return false;
      if (t.value === 'null') return null;
      if (this.peek('(')) {
        this.i++;
        const args: Value[] = [];
        while (!this.peek(')')) {
          args.push(this.or());
          if (!this.peek(')')) this.expect(',');
        }
        this.i++;
        return call(t.value, args);
      }
      return property(this.context as Value, t.value);
    }
    throw new Error(`unexpected '${t.value}' in ${this.source}`);
  }
}

/** Evaluates one expression (the text between `${{` and `}}`). */
export function evaluate(expression: string, context: Context): Value {
  return new Parser(tokenize(expression), context, expression).parse();
}

/** Where the `}}` closing an expression that starts at `from` is (quotes respected). */
function closing(text: string, from: number): number {
  let quoted = false;
  for (let i = from; i < text.length; i++) {
    if (text[i] === "'") quoted = !quoted;
    else if (!quoted && text.startsWith('}}', i)) return i;
  }
  throw new Error(`no '}}' closes the expression in ${text}`);
}

/** Renders a workflow value: every `${{ }}` replaced by its value as text, as the runner does for `with:`. */
export function render(template: unknown, context: Context): string {
  if (typeof template !== 'string') return stringify((template ?? null) as Value);
  let out = '';
  let i = 0;
  for (;;) {
    const start = template.indexOf('${{', i);
    if (start < 0) return out + template.slice(i);
    const end = closing(template, start + 3);
    out += template.slice(i, start) + stringify(evaluate(template.slice(start + 3, end), context));
    i = end + 2;
  }
}

/** A step's `with:` rendered to the strings the runner would hand the action. */
export function renderInputs(withBlock: Record<string, unknown> | undefined, context: Context): Record<string, string> {
  return Object.fromEntries(Object.entries(withBlock ?? {}).map(([k, v]) => [k, render(v, context)]));
}
