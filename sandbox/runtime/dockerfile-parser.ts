/**
 * The Dockerfile's syntax: instructions and their continuation lines, comments and here-documents,
 * flags, exec and shell forms, word splitting and variable substitution.
 * https://docs.docker.com/reference/dockerfile/
 */
export class DockerfileError extends Error {
  override readonly name = 'DockerfileError';
  constructor(message: string, line?: number) {
    super(line === undefined ? message : `Dockerfile:${line}: ${message}`);
  }
}

export interface Instruction {
  /** Upper-case keyword: FROM, COPY, ... */
  keyword: string;
  /** Everything after the keyword, continuation lines joined. */
  args: string;
  /** 1-based line of the keyword. */
  line: number;
  /** The instruction as written (joined), for history and progress lines. */
  original: string;
  /** Here-documents (`<<EOF`) that follow the instruction. */
  heredocs: { name: string; content: string }[];
}

/**
 * Splits a Dockerfile into instructions: `\` continues a line, `#` starts a comment line (also
 * inside a continued instruction), blank lines are skipped, here-documents are collected.
 * https://docs.docker.com/reference/dockerfile/#format
 */
export function parseDockerfile(text: string): Instruction[] {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const instructions: Instruction[] = [];
  let i = 0;
  while (i < lines.length) {
    const first = lines[i]!;
    const lineNumber = i + 1;
    i++;
    if (/^\s*(#.*)?$/.test(first)) continue;
    let joined = first;
    while (/\\\s*$/.test(joined) && i < lines.length) {
      joined = joined.replace(/\s*\\\s*$/, '');
      const next = lines[i]!;
      i++;
      if (/^\s*#/.test(next)) {
        joined += '\\';
        continue;
      }
      joined += next.trim() === '' ? '\\' : ` ${next.trim()}`;
    }
    joined = joined.replace(/\\\s*$/, '').trim();
    const match = /^(\S+)\s*(.*)$/s.exec(joined);
    if (!match) continue;
    const keyword = match[1]!.toUpperCase();
    const args = match[2]!.trim();
    const heredocs: { name: string; content: string }[] = [];
    const heredocPattern = /<<(-?)(["']?)([A-Za-z_][A-Za-z0-9_]*)\2/g;
    if (keyword === 'RUN' || keyword === 'COPY' || keyword === 'ADD') {
      for (const h of args.matchAll(heredocPattern)) {
        const name = h[3]!;
        const stripTabs = h[1] === '-';
        const body: string[] = [];
        let closed = false;
        while (i < lines.length) {
          const bodyLine = lines[i]!;
          i++;
          if ((stripTabs ? bodyLine.replace(/^\t+/, '') : bodyLine) === name) {
            closed = true;
            break;
          }
          body.push(stripTabs ? bodyLine.replace(/^\t+/, '') : bodyLine);
        }
        if (!closed) throw new DockerfileError(`here-document <<${name} is never closed`, lineNumber);
        heredocs.push({ name, content: body.length ? `${body.join('\n')}\n` : '' });
      }
    }
    instructions.push({ keyword, args, line: lineNumber, original: `${keyword} ${args}`.trim(), heredocs });
  }
  return instructions;
}

/** Takes the leading `--name=value` (or `--name`) flags off an instruction's arguments. */
export function takeFlags(args: string): { flags: Record<string, string>; rest: string } {
  const flags: Record<string, string> = {};
  let rest = args;
  for (;;) {
    const m = /^--([A-Za-z][A-Za-z0-9-]*)(?:=("[^"]*"|'[^']*'|\S*))?\s*/.exec(rest);
    if (!m) break;
    let value = m[2] ?? 'true';
    if (/^(["']).*\1$/.test(value)) value = value.slice(1, -1);
    flags[m[1]!] = value;
    rest = rest.slice(m[0].length);
  }
  return { flags, rest: rest.trim() };
}

/** `["a", "b"]` (exec form) or undefined when the arguments are shell form. */
export function execForm(args: string): string[] | undefined {
  const trimmed = args.trim();
  if (!trimmed.startsWith('[')) return undefined;
  try {
    const parsed: unknown = JSON.parse(trimmed);
    if (Array.isArray(parsed) && parsed.every((x) => typeof x === 'string')) return parsed as string[];
  } catch {
    // Not valid JSON: Docker treats it as shell form.
  }
  return undefined;
}

/** Shell-like word splitting: whitespace separates, quotes group, backslash escapes. */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) current += text[++i];
      else current += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < text.length) {
      current += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += c;
      inWord = true;
    }
  }
  if (quote) throw new DockerfileError(`unterminated quote in: ${text}`);
  if (inWord) words.push(current);
  return words;
}

/**
 * Replaces `$VAR`, `${VAR}`, `${VAR:-default}` and `${VAR:+alt}`; `\$` stays a literal `$`.
 * https://docs.docker.com/reference/dockerfile/#environment-replacement
 */
export function substitute(text: string, vars: Record<string, string | undefined>): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && text[i + 1] === '$') {
      out += '\\$';
      i++;
    } else if (c === '$' && text[i + 1] === '{') {
      const end = text.indexOf('}', i + 2);
      if (end < 0) throw new DockerfileError(`missing '}' in: ${text}`);
      const inner = text.slice(i + 2, end);
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?::([-+])(.*))?$/s.exec(inner);
      if (!m) throw new DockerfileError(`unsupported substitution \${${inner}}`);
      const value = vars[m[1]!];
      if (m[2] === '-') out += value ? value : substitute(m[3]!, vars);
      else if (m[2] === '+') out += value ? substitute(m[3]!, vars) : '';
      else out += value ?? '';
      i = end;
    } else if (c === '$' && /[A-Za-z_]/.test(text[i + 1] ?? '')) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1))!;
      out += vars[m[0]] ?? '';
      i += m[0].length;
    } else {
      out += c;
    }
  }
  return out;
}

/** Removes the `\` left before a literal `$` once words are split (splitWords keeps escapes as text). */
export function unescapeDollar(text: string): string {
  return text.replace(/\\\$/g, '$');
}

/** Go duration (`30s`, `1m30s`, `500ms`) in milliseconds, as HEALTHCHECK's flags take. */
export function parseDuration(text: string, flag: string, line: number): number {
  const unitMs: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  if (text === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  for (const m of text.matchAll(re)) {
    total += Number(m[1]) * unitMs[m[2]!]!;
    consumed += m[0].length;
  }
  if (consumed === 0 || consumed !== text.length) {
    throw new DockerfileError(`--${flag}=${text} is not a duration (e.g. 30s, 1m30s, 500ms)`, line);
  }
  return Math.round(total);
}
