/**
 * A Dockerfile interpreter for the sandbox: it follows the Dockerfile reference for everything
 * that shapes an image's files and run configuration, and records (does not execute) RUN steps.
 * https://docs.docker.com/reference/dockerfile/
 *
 * The image's file system is modelled in memory (ImageFs); COPY/ADD place files from the build
 * context, or from an earlier stage of a multi-stage build, as Docker does.
 *
 * The syntax is read by dockerfile-parser.ts, the file system is image-fs.ts, and COPY/ADD are
 * dockerfile-copy.ts; this file runs the instructions stage by stage.
 */
import * as posix from 'node:path/posix';
import type { ImageConfig } from '../contracts.js';
import { copyInstruction } from './dockerfile-copy.js';
import {
  DockerfileError,
  execForm,
  parseDuration,
  splitWords,
  substitute,
  takeFlags,
  unescapeDollar,
  type Instruction,
} from './dockerfile-parser.js';
import { ImageFs } from './image-fs.js';

export {
  DockerfileError,
  execForm,
  parseDockerfile,
  parseDuration,
  splitWords,
  substitute,
  takeFlags,
  type Instruction,
} from './dockerfile-parser.js';
export { ImageFs, type FsNode } from './image-fs.js';

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
