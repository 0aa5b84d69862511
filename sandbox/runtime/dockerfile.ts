/**
 * A Dockerfile interpreter for the sandbox: it follows the Dockerfile reference for everything
 * that shapes an image's files and run configuration, and records (does not execute) RUN steps.
 * https://docs.docker.com/reference/dockerfile/
 *
 * The image's file system is modelled in memory (ImageFs); COPY/ADD place files from the build
 * context, or from an earlier stage of a multi-stage build, as Docker does.
 */
import * as posix from 'node:path/posix';
import type { ImageConfig } from '../contracts.js';

export class DockerfileError extends Error {
  override readonly name = 'DockerfileError';
  constructor(message: string, line?: number) {
    super(line === undefined ? message : `Dockerfile:${line}: ${message}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Parsing

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
function unescapeDollar(text: string): string {
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

// ---------------------------------------------------------------------------------------------
// The image's file system

export type FsNode =
  | { kind: 'dir'; mode: number }
  | { kind: 'file'; mode: number; content: Buffer }
  | { kind: 'symlink'; mode: number; target: string };

/** Absolute POSIX paths ('/app/server.js') to nodes; parents always exist as 'dir'. */
export class ImageFs {
  readonly nodes = new Map<string, FsNode>([['/', { kind: 'dir', mode: 0o755 }]]);

  get(path: string): FsNode | undefined {
    return this.nodes.get(normalise(path));
  }

  isDir(path: string): boolean {
    return this.get(path)?.kind === 'dir';
  }

  mkdirp(path: string, mode = 0o755): void {
    const p = normalise(path);
    if (p === '/') return;
    this.mkdirp(posix.dirname(p));
    const existing = this.nodes.get(p);
    if (existing && existing.kind !== 'dir') this.nodes.delete(p);
    if (!existing || existing.kind !== 'dir') this.nodes.set(p, { kind: 'dir', mode });
  }

  put(path: string, node: FsNode): void {
    const p = normalise(path);
    this.mkdirp(posix.dirname(p));
    if (node.kind !== 'dir') {
      // A file replacing a folder replaces everything under it.
      for (const key of [...this.nodes.keys()]) if (key.startsWith(`${p}/`)) this.nodes.delete(key);
      this.nodes.set(p, node);
    } else {
      this.mkdirp(p, node.mode);
    }
  }

  /** Every path strictly under `dir`, sorted. */
  descendants(dir: string): string[] {
    const d = normalise(dir);
    const prefix = d === '/' ? '/' : `${d}/`;
    return [...this.nodes.keys()].filter((k) => k !== d && k.startsWith(prefix)).sort();
  }

  /** All nodes sorted by path (root excluded), for the layer serialization. */
  entries(): [string, FsNode][] {
    return [...this.nodes.entries()].filter(([k]) => k !== '/').sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
}

function normalise(path: string): string {
  const p = posix.normalize(`/${path}`);
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}

// ---------------------------------------------------------------------------------------------
// Interpretation

export interface InterpretOptions {
  buildArgs: Record<string, string>;
  /** The first platform of the build (`linux/amd64`): sets TARGETOS/TARGETARCH/TARGETPLATFORM. */
  platform: string;
  /** The build context as a file system rooted at '/'. */
  context: ImageFs;
}

/** One line of the build's history (what `docker history` shows), kept in the config blob. */
export interface HistoryEntry {
  created_by: string;
  empty_layer?: boolean;
  comment?: string;
}

export interface InterpretedImage {
  config: ImageConfig & { labels: Record<string, string>; stopSignal?: string; shell: string[] };
  fs: ImageFs;
  /** The final stage's base image (FROM), and every stage's. */
  baseImage: string;
  stages: { name?: string; baseImage: string }[];
  history: HistoryEntry[];
  /** Build args given but never declared by an ARG, as Docker warns. */
  warnings: string[];
}

interface StageState {
  name?: string;
  baseImage: string;
  fs: ImageFs;
  env: Record<string, string>;
  /** ARGs declared in this stage and their values. */
  args: Record<string, string>;
  config: InterpretedImage['config'];
  history: HistoryEntry[];
}

// Defaults of docker build's HEALTHCHECK options.
// https://docs.docker.com/reference/dockerfile/#healthcheck
const HEALTHCHECK_DEFAULTS = { intervalMs: 30_000, timeoutMs: 30_000, startPeriodMs: 0, retries: 3 };
// The PATH every Linux base image sets, so `ENV PATH=/app/bin:$PATH` means what it means in Docker.
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Runs a parsed Dockerfile's instructions against the context. */
export function interpretDockerfile(instructions: Instruction[], options: InterpretOptions): InterpretedImage {
  const [os = 'linux', arch = 'amd64', variant = ''] = options.platform.split(',')[0]!.trim().split('/');
  // BuildKit's automatic platform ARGs, in the global scope.
  // https://docs.docker.com/reference/dockerfile/#automatic-platform-args-in-the-global-scope
  const automaticArgs: Record<string, string> = {
    TARGETPLATFORM: [os, arch, variant].filter(Boolean).join('/'),
    TARGETOS: os,
    TARGETARCH: arch,
    TARGETVARIANT: variant,
    BUILDPLATFORM: 'linux/amd64',
    BUILDOS: 'linux',
    BUILDARCH: 'amd64',
    BUILDVARIANT: '',
  };
  const globalArgs: Record<string, string> = {};
  const usedBuildArgs = new Set<string>();
  const stages: StageState[] = [];
  let stage: StageState | undefined;

  const argValue = (name: string, fallback: string | undefined): string | undefined => {
    if (Object.hasOwn(options.buildArgs, name)) {
      usedBuildArgs.add(name);
      return options.buildArgs[name];
    }
    return fallback;
  };

  for (const ins of instructions) {
    const where = ins.line;
    if (ins.keyword === 'FROM') {
      // FROM --platform is dropped: the sandbox runs every platform the same way.
      const { rest } = takeFlags(ins.args);
      const words = splitWords(substitute(rest, { ...automaticArgs, ...globalArgs }));
      if (words.length !== 1 && !(words.length === 3 && words[1]!.toUpperCase() === 'AS')) {
        throw new DockerfileError(`FROM takes an image and an optional "AS name", got: ${ins.args}`, where);
      }
      const base = words[0]!;
      const name = words[2]?.toLowerCase();
      const fromStage = stages.find((s) => s.name !== undefined && s.name === base.toLowerCase());
      stage = {
        name,
        baseImage: fromStage ? fromStage.baseImage : base,
        fs: new ImageFs(),
        env: fromStage ? { ...fromStage.env } : { PATH: DEFAULT_PATH },
        args: {},
        config: fromStage
          ? structuredClone(fromStage.config)
          : {
              workdir: '/',
              env: {},
              entrypoint: [],
              cmd: [],
              exposedPorts: [],
              skippedRunSteps: [],
              labels: {},
              shell: ['/bin/sh', '-c'],
            },
        history: fromStage ? [...fromStage.history] : [],
      };
      if (fromStage) for (const [k, v] of fromStage.fs.entries()) stage.fs.put(k, v);
      stage.config.skippedRunSteps = fromStage ? [...fromStage.config.skippedRunSteps] : [];
      stages.push(stage);
      continue;
    }
    if (ins.keyword === 'ARG' && !stage) {
      for (const word of splitWords(ins.args)) {
        const [name, ...valueParts] = word.split('=');
        const declared = valueParts.length ? substitute(valueParts.join('='), globalArgs) : undefined;
        const value = argValue(name!, declared) ?? automaticArgs[name!];
        if (value !== undefined) globalArgs[name!] = value;
        else globalArgs[name!] = '';
      }
      continue;
    }
    if (!stage) {
      throw new DockerfileError(`${ins.keyword} before the first FROM (only ARG may come first)`, where);
    }
    const s = stage;
    const vars = () => ({ ...s.args, ...s.env });
    const record = (entry: HistoryEntry) => s.history.push(entry);

    switch (ins.keyword) {
      case 'ARG': {
        for (const word of splitWords(ins.args)) {
          const eq = word.indexOf('=');
          const name = eq < 0 ? word : word.slice(0, eq);
          if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new DockerfileError(`invalid ARG name "${name}"`, where);
          const declared = eq < 0 ? undefined : unescapeDollar(substitute(word.slice(eq + 1), vars()));
          // A bare ARG in a stage takes the global ARG's value (or an automatic platform arg).
          const inherited = globalArgs[name] ?? automaticArgs[name];
          s.args[name] = argValue(name, declared ?? inherited) ?? '';
        }
        record({ created_by: `ARG ${ins.args}`, empty_layer: true });
        break;
      }
      case 'ENV': {
        const current = vars();
        const pairs = parseKeyValues(ins.args, where, 'ENV');
        for (const [k, v] of pairs) {
          const value = unescapeDollar(substitute(v, current));
          s.env[k] = value;
          s.config.env[k] = value;
        }
        record({ created_by: `ENV ${ins.args}`, empty_layer: true });
        break;
      }
      case 'LABEL': {
        const current = vars();
        for (const [k, v] of parseKeyValues(ins.args, where, 'LABEL')) {
          s.config.labels[k] = unescapeDollar(substitute(v, current));
        }
        record({ created_by: `LABEL ${ins.args}`, empty_layer: true });
        break;
      }
      case 'WORKDIR': {
        const dir = unescapeDollar(substitute(ins.args, vars())).trim();
        if (!dir) throw new DockerfileError('WORKDIR needs a path', where);
        s.config.workdir = posix.resolve(s.config.workdir, dir);
        s.fs.mkdirp(s.config.workdir);
        record({ created_by: `WORKDIR ${s.config.workdir}` });
        break;
      }
      case 'COPY':
      case 'ADD': {
        copyInstruction(ins, s, stages, options.context, vars());
        record({ created_by: ins.original });
        break;
      }
      case 'RUN': {
        const heredocText = ins.heredocs.map((h) => `\n${h.content}${h.name}`).join('');
        s.config.skippedRunSteps.push(`${takeFlags(ins.args).rest}${heredocText}`);
        record({ created_by: ins.original, empty_layer: true, comment: 'not executed by the sandbox' });
        break;
      }
      case 'CMD':
      case 'ENTRYPOINT': {
        const form = execForm(ins.args);
        const argv = form ?? [...s.config.shell, ins.args];
        if (ins.keyword === 'CMD') {
          s.config.cmd = argv;
        } else {
          s.config.entrypoint = argv;
          // Docker: setting ENTRYPOINT resets a CMD inherited from the base image; one set in this
          // stage before it stays. We model no base image CMD, so nothing to reset.
        }
        record({ created_by: ins.original, empty_layer: true });
        break;
      }
      case 'SHELL': {
        const form = execForm(ins.args);
        if (!form || form.length === 0)
          throw new DockerfileError('SHELL must be in JSON form, e.g. ["/bin/bash", "-c"]', where);
        s.config.shell = form;
        record({ created_by: ins.original, empty_layer: true });
        break;
      }
      case 'EXPOSE': {
        for (const word of splitWords(substitute(ins.args, vars()))) {
          const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(word);
          if (!m) throw new DockerfileError(`EXPOSE takes ports like 3000 or 3000/tcp, got "${word}"`, where);
          const low = Number(m[1]);
          const high = m[2] ? Number(m[2]) : low;
          for (let p = low; p <= high; p++) if (!s.config.exposedPorts.includes(p)) s.config.exposedPorts.push(p);
        }
        record({ created_by: ins.original, empty_layer: true });
        break;
      }
      case 'USER': {
        const user = substitute(ins.args, vars()).trim();
        if (!user) throw new DockerfileError('USER needs a user name or id', where);
        s.config.user = user;
        record({ created_by: `USER ${user}`, empty_layer: true });
        break;
      }
      case 'HEALTHCHECK': {
        s.config.healthcheck = parseHealthcheck(ins);
        if (!s.config.healthcheck) delete s.config.healthcheck;
        record({ created_by: ins.original, empty_layer: true });
        break;
      }
      case 'STOPSIGNAL': {
        s.config.stopSignal = substitute(ins.args, vars()).trim();
        record({ created_by: ins.original, empty_layer: true });
        break;
      }
      case 'VOLUME':
      case 'ONBUILD':
      case 'MAINTAINER': {
        // Recorded in the history only: they do not change the files or how the task starts.
        record({ created_by: ins.original, empty_layer: true });
        break;
      }
      default:
        throw new DockerfileError(`unknown instruction: ${ins.keyword}`, where);
    }
  }

  if (!stage) throw new DockerfileError('the Dockerfile has no FROM instruction');
  const unused = Object.keys(options.buildArgs).filter((k) => !usedBuildArgs.has(k));
  const warnings = unused.length ? [`One or more build-args [${unused.join(' ')}] were not consumed`] : [];
  return {
    config: stage.config,
    fs: stage.fs,
    baseImage: stage.baseImage,
    stages: stages.map((st) => ({ ...(st.name ? { name: st.name } : {}), baseImage: st.baseImage })),
    history: [{ created_by: `FROM ${stage.baseImage}`, empty_layer: true }, ...stage.history],
    warnings,
  };
}

/** `K=V K2="v 2"`, or the legacy `K value with spaces`. */
function parseKeyValues(args: string, line: number, keyword: string): [string, string][] {
  const words = splitWordsKeepingDollarEscapes(args);
  if (words.length === 0) throw new DockerfileError(`${keyword} needs at least one KEY=value`, line);
  if (!words[0]!.includes('=')) {
    // Legacy form: the first word is the key, the rest of the line (as written) the value.
    const m = /^(\S+)\s+(.*)$/s.exec(args.trim());
    if (!m) throw new DockerfileError(`${keyword} ${words[0]} needs a value`, line);
    return [[m[1]!, splitWordsKeepingDollarEscapes(m[2]!).join(' ')]];
  }
  return words.map((w) => {
    const eq = w.indexOf('=');
    if (eq <= 0) throw new DockerfileError(`${keyword} expects KEY=value pairs, got "${w}"`, line);
    return [w.slice(0, eq), w.slice(eq + 1)];
  });
}

/** splitWords, but `\$` survives so substitute() can keep the `$` literal. */
function splitWordsKeepingDollarEscapes(text: string): string[] {
  return splitWords(text.replace(/\\\$/g, '\\\\$'));
}

function parseHealthcheck(ins: Instruction): ImageConfig['healthcheck'] | undefined {
  const { flags, rest } = takeFlags(ins.args);
  if (/^NONE$/i.test(rest)) return undefined;
  const m = /^CMD\s+(.*)$/is.exec(rest);
  if (!m) throw new DockerfileError('HEALTHCHECK takes [OPTIONS] CMD command, or NONE', ins.line);
  const known = ['interval', 'timeout', 'start-period', 'start-interval', 'retries'];
  for (const flag of Object.keys(flags)) {
    if (!known.includes(flag)) throw new DockerfileError(`HEALTHCHECK: unknown flag --${flag}`, ins.line);
  }
  const duration = (flag: string, fallback: number) =>
    flags[flag] === undefined ? fallback : parseDuration(flags[flag], flag, ins.line);
  const retries = flags.retries === undefined ? HEALTHCHECK_DEFAULTS.retries : Number(flags.retries);
  if (!Number.isInteger(retries) || retries < 1) {
    throw new DockerfileError(`HEALTHCHECK --retries must be a positive integer, got ${flags.retries}`, ins.line);
  }
  const form = execForm(m[1]!);
  return {
    // Docker stores exec form as ["CMD", ...] and shell form as ["CMD-SHELL", "..."].
    test: form ? ['CMD', ...form] : ['CMD-SHELL', m[1]!.trim()],
    intervalMs: duration('interval', HEALTHCHECK_DEFAULTS.intervalMs),
    timeoutMs: duration('timeout', HEALTHCHECK_DEFAULTS.timeoutMs),
    startPeriodMs: duration('start-period', HEALTHCHECK_DEFAULTS.startPeriodMs),
    retries,
  };
}

// ---------------------------------------------------------------------------------------------
// COPY / ADD

const GLOB_CHARS = /[*?[]/;

function copyInstruction(
  ins: Instruction,
  stage: StageState,
  stages: StageState[],
  context: ImageFs,
  vars: Record<string, string>,
): void {
  const { flags, rest } = takeFlags(ins.args);
  const allowed = ins.keyword === 'COPY' ? ['from', 'chown', 'chmod', 'link'] : ['chown', 'chmod', 'link', 'checksum'];
  for (const flag of Object.keys(flags)) {
    if (!allowed.includes(flag)) {
      throw new DockerfileError(
        `${ins.keyword} --${flag} is not supported by the sandbox (supported: ${allowed.map((f) => `--${f}`).join(', ')})`,
        ins.line,
      );
    }
  }
  let mode: number | undefined;
  if (flags.chmod !== undefined) {
    if (!/^[0-7]{3,4}$/.test(flags.chmod)) {
      throw new DockerfileError(`--chmod=${flags.chmod}: the sandbox takes octal modes such as 755`, ins.line);
    }
    mode = parseInt(flags.chmod, 8);
  }

  let source = context;
  let sourceName = 'the build context';
  if (flags.from !== undefined) {
    const from = substitute(flags.from, vars).toLowerCase();
    const index = /^\d+$/.test(from) ? Number(from) : -1;
    const found = index >= 0 ? stages[index] : stages.find((st) => st.name === from);
    if (!found || found === stage) {
      throw new DockerfileError(
        `COPY --from=${flags.from}: only an earlier stage of this Dockerfile can be copied from in the sandbox (images are not pulled)`,
        ins.line,
      );
    }
    source = found.fs;
    sourceName = `stage ${found.name ?? from}`;
  }

  const words = execForm(rest) ?? splitWords(rest);
  const expanded = words.map((w) => unescapeDollar(substitute(w, vars)));
  if (expanded.length < 2)
    throw new DockerfileError(`${ins.keyword} needs at least one source and a destination`, ins.line);
  const destRaw = expanded[expanded.length - 1]!;
  const sources = expanded.slice(0, -1);
  const destIsDir = destRaw.endsWith('/') || destRaw === '.' || destRaw.endsWith('/.');
  const dest = posix.resolve(stage.config.workdir, destRaw);

  const heredocs = new Map(ins.heredocs.map((h) => [h.name, h.content]));
  type Item = { path: string; fromHeredoc?: string };
  const items: Item[] = [];
  for (const src of sources) {
    const heredoc = /^<<-?(["']?)([A-Za-z_][A-Za-z0-9_]*)\1$/.exec(src);
    if (heredoc) {
      items.push({ path: heredoc[2]!, fromHeredoc: heredocs.get(heredoc[2]!) ?? '' });
      continue;
    }
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(src) || /^git@/.test(src)) {
      throw new DockerfileError(
        `${ins.keyword} ${src}: remote sources are not fetched by the sandbox; copy a local file`,
        ins.line,
      );
    }
    if (ins.keyword === 'ADD' && /\.(tar|tar\.gz|tgz|tar\.bz2|tbz2|tar\.xz|txz)$/i.test(src)) {
      throw new DockerfileError(
        `ADD ${src}: local archives are not extracted by the sandbox; use COPY with the extracted files`,
        ins.line,
      );
    }
    const matches = matchSource(source, src);
    if (matches.length === 0) {
      throw new DockerfileError(
        `${ins.keyword} failed: "${src}" not found in ${sourceName}${flags.from === undefined ? ' (or excluded by .dockerignore)' : ' (RUN steps are not executed by the sandbox, so files they would create do not exist)'}`,
        ins.line,
      );
    }
    items.push(...matches.map((p) => ({ path: p })));
  }
  const multiple = items.length > 1 || sources.some((s) => GLOB_CHARS.test(s));
  if (multiple && !destIsDir && !stage.fs.isDir(dest)) {
    throw new DockerfileError(
      `When using ${ins.keyword} with more than one source file, the destination must be a directory and end with a /`,
      ins.line,
    );
  }

  for (const item of items) {
    if (item.fromHeredoc !== undefined) {
      const target = destIsDir || stage.fs.isDir(dest) ? posix.join(dest, item.path) : dest;
      stage.fs.put(target, { kind: 'file', mode: mode ?? 0o644, content: Buffer.from(item.fromHeredoc) });
      continue;
    }
    const node = source.get(item.path)!;
    if (node.kind === 'dir') {
      // A folder's contents are copied, not the folder itself.
      stage.fs.mkdirp(dest);
      for (const child of source.descendants(item.path)) {
        const relative = posix.relative(item.path === '/' ? '/' : item.path, child);
        placeNode(stage.fs, posix.join(dest, relative), source.get(child)!, mode);
      }
    } else {
      const target = destIsDir || stage.fs.isDir(dest) ? posix.join(dest, posix.basename(item.path)) : dest;
      placeNode(stage.fs, target, node, mode);
    }
  }
}

function placeNode(fs: ImageFs, path: string, node: FsNode, mode: number | undefined): void {
  if (node.kind === 'dir') fs.mkdirp(path, mode ?? node.mode);
  else if (node.kind === 'file') fs.put(path, { ...node, mode: mode ?? node.mode });
  else fs.put(path, node);
}

/** Paths in `fs` that a COPY source names: exact, or Go filepath.Match globs per segment. */
function matchSource(fs: ImageFs, src: string): string[] {
  const cleaned = posix.normalize(`/${src}`);
  if (posix.normalize(src).startsWith('..')) return [];
  if (!GLOB_CHARS.test(cleaned)) return fs.get(cleaned) ? [cleaned === '/' ? '/' : cleaned.replace(/\/$/, '')] : [];
  const patternSegments = cleaned.split('/').filter(Boolean).map(globToRegExp);
  return [...fs.nodes.keys()]
    .filter((p) => {
      const segments = p.split('/').filter(Boolean);
      return segments.length === patternSegments.length && segments.every((seg, i) => patternSegments[i]!.test(seg));
    })
    .sort();
}

function globToRegExp(segment: string): RegExp {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = segment.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${segment
          .slice(i + 1, end)
          .replace(/^\^|^!/, '^')
          .replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else if (c === '\\' && i + 1 < segment.length) re += `\\${segment[++i]}`;
    else re += c.replace(/[.+^${}()|\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
