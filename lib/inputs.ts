/**
 * Typed, validated reading of action inputs. Every parser takes the raw text from an
 * `InputReader` so that logic and tests never touch process.env or @actions/core.
 * Every mistake is a ConfigurationError naming the input, the value and what is accepted.
 */
import { ConfigurationError } from './errors.js';

/** Returns the raw text of an input ('' when not set), as the runner passes it. */
export type InputReader = (name: string) => string;

/**
 * Reads inputs the way the runner passes them: `INPUT_<NAME>` with spaces replaced by
 * underscores and upper-cased (hyphens are kept), trimmed.
 */
export function envInputReader(env: NodeJS.ProcessEnv = process.env): InputReader {
  return (name) => (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
}

export class Inputs {
  constructor(private readonly read: InputReader) {}

  raw(name: string): string {
    return this.read(name).trim();
  }

  /** A required string: error when empty. */
  string(name: string, accepted = 'set it to a non-empty value'): string {
    const value = this.raw(name);
    if (value === '') throw new ConfigurationError(name, value, accepted);
    return value;
  }

  /** An optional string: undefined when empty. */
  optionalString(name: string): string | undefined {
    const value = this.raw(name);
    return value === '' ? undefined : value;
  }

  /** `true` or `false` only (YAML's yes/on/1 are refused: they hide typos). */
  boolean(name: string, fallback: boolean): boolean {
    const value = this.raw(name);
    if (value === '') return fallback;
    if (value === 'true') return true;
    if (value === 'false') return false;
    throw new ConfigurationError(name, value, 'use true or false');
  }

  /** One of a fixed set of words. */
  oneOf<T extends string>(name: string, choices: readonly T[], fallback?: T): T {
    const value = this.raw(name);
    if (value === '' && fallback !== undefined) return fallback;
    if ((choices as readonly string[]).includes(value)) return value as T;
    throw new ConfigurationError(name, value, `use one of ${choices.join(', ')}`);
  }

  /** A whole number within [min, max]; `fallback` when empty (required when no fallback). */
  integer(name: string, bounds: { min: number; max: number; fallback?: number }): number {
    const value = this.raw(name);
    if (value === '' && bounds.fallback !== undefined) return bounds.fallback;
    const accepted = `a whole number from ${bounds.min} to ${bounds.max}`;
    if (!/^[+-]?\d+$/.test(value)) throw new ConfigurationError(name, value, accepted);
    const n = Number(value);
    if (n < bounds.min || n > bounds.max) throw new ConfigurationError(name, value, accepted);
    return n;
  }

  optionalInteger(name: string, bounds: { min: number; max: number }): number | undefined {
    return this.raw(name) === '' ? undefined : this.integer(name, bounds);
  }

  /**
   * A duration such as `90s`, `5m`, `1h`, `1h30m` or a bare number in `unit`; returned in
   * milliseconds and bounded by [minMs, maxMs].
   */
  duration(name: string, opts: { unit: 's' | 'm'; minMs: number; maxMs: number; fallbackMs?: number }): number {
    const value = this.raw(name);
    if (value === '' && opts.fallbackMs !== undefined) return opts.fallbackMs;
    const accepted = `a duration from ${formatDuration(opts.minMs)} to ${formatDuration(opts.maxMs)}, e.g. 30s, 5m, 1h30m, or a number of ${opts.unit === 's' ? 'seconds' : 'minutes'}`;
    const ms = parseDuration(value, opts.unit);
    if (ms === undefined || ms < opts.minMs || ms > opts.maxMs) {
      throw new ConfigurationError(name, value, accepted);
    }
    return ms;
  }

  /**
   * A multiline list of `KEY=VALUE` lines (blank lines and `#` comments ignored). The value
   * may contain `=`. Duplicate keys and lines with no `=` are errors.
   */
  keyValues(name: string, opts: { keyPattern?: RegExp; what?: string } = {}): Map<string, string> {
    const what = opts.what ?? 'KEY=VALUE';
    const result = new Map<string, string>();
    const lines = this.read(name).split(/\r?\n/);
    lines.forEach((line, index) => {
      const text = line.trim();
      if (text === '' || text.startsWith('#')) return;
      const eq = text.indexOf('=');
      const where = `line ${index + 1}`;
      if (eq <= 0) {
        throw new ConfigurationError(
          name,
          text,
          `each line must be ${what} (${where} has ${eq === 0 ? 'no key' : "no '='"})`,
        );
      }
      const key = text.slice(0, eq).trim();
      const value = text.slice(eq + 1).trim();
      if (opts.keyPattern && !opts.keyPattern.test(key)) {
        throw new ConfigurationError(name, text, `${where}: key '${key}' must match ${opts.keyPattern}`);
      }
      if (result.has(key)) {
        throw new ConfigurationError(name, text, `${where}: key '${key}' is given twice; give each key once`);
      }
      result.set(key, value);
    });
    return result;
  }

  /** A multiline list of non-empty lines (blank lines and `#` comments ignored). */
  lines(name: string): string[] {
    return this.read(name)
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
  }

  /** JSON text parsed; undefined when empty. */
  json(name: string, accepted = 'valid JSON'): unknown {
    const value = this.raw(name);
    if (value === '') return undefined;
    try {
      return JSON.parse(value) as unknown;
    } catch (error) {
      throw new ConfigurationError(name, value, `${accepted} (${(error as Error).message})`);
    }
  }
}

/** Parses `90`, `90s`, `5m`, `1h30m`, `2h` into milliseconds; undefined when malformed. */
export function parseDuration(text: string, bareUnit: 's' | 'm'): number | undefined {
  const value = text.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * (bareUnit === 's' ? 1000 : 60_000);
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(value);
  if (!match || value === '') return undefined;
  const [, h = '0', m = '0', s = '0'] = match;
  return (Number(h) * 3600 + Number(m) * 60 + Number(s)) * 1000;
}

export function formatDuration(ms: number): string {
  const totalSeconds = Math.round(ms / 1000);
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  const parts = [h ? `${h}h` : '', m ? `${m}m` : '', s || (!h && !m) ? `${s}s` : ''];
  return parts.join('');
}
