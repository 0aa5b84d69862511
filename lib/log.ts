/**
 * The logger the logic receives. In actions it writes workflow commands (so groups fold and
 * annotations show); in tests it records lines.
 */
import * as core from './workflow-commands.js';

export interface Logger {
  info(message: string): void;
  warning(message: string): void;
  error(message: string): void;
  debug(message: string): void;
  /** Folds the lines `fn` logs under a heading; the group closes even when `fn` throws. */
  group<T>(title: string, fn: () => Promise<T>): Promise<T>;
}

export const actionsLogger: Logger = {
  info: (m) => core.info(m),
  warning: (m) => core.warning(m),
  error: (m) => core.error(m),
  debug: (m) => core.debug(m),
  group: (title, fn) => core.group(title, fn),
};

/** A logger that keeps every line, for tests. */
export class MemoryLogger implements Logger {
  readonly lines: string[] = [];
  info(m: string): void {
    this.lines.push(m);
  }
  warning(m: string): void {
    this.lines.push(`warning: ${m}`);
  }
  error(m: string): void {
    this.lines.push(`error: ${m}`);
  }
  debug(m: string): void {
    this.lines.push(`debug: ${m}`);
  }
  async group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    this.lines.push(`[group] ${title}`);
    try {
      return await fn();
    } finally {
      this.lines.push('[endgroup]');
    }
  }
  text(): string {
    return this.lines.join('\n');
  }
}
