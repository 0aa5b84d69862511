/**
 * The runner's workflow commands and environment files, the part of @actions/core the actions use.
 * Written here because @actions/core has one entry point, and importing it evaluates its OIDC
 * client (@actions/http-client, undici, tunnel) in every action at start-up, though none of ours
 * asks for an OIDC token: that was most of a bundle's load time.
 * Formats: https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands
 * (`::command key=value::message`, `%`/CR/LF escaped in messages, `:` and `,` also in
 * properties; GITHUB_OUTPUT and GITHUB_STATE take `name<<delimiter` multi-line values).
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync } from 'node:fs';
import { EOL } from 'node:os';

function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** `::name key=value,...::message` on stdout. */
export function issueCommand(name: string, properties: Record<string, string>, message: string): void {
  const props = Object.entries(properties)
    .filter(([, value]) => value)
    .map(([key, value]) => `${key}=${escapeProperty(value)}`)
    .join(',');
  process.stdout.write(`::${name}${props ? ` ${props}` : ''}::${escapeData(message)}${EOL}`);
}

/**
 * Appends `name<<delimiter` + value + delimiter to the environment file GITHUB_<file>, with a
 * random delimiter the value cannot contain (so a value cannot inject another name).
 */
function appendKeyValue(file: 'OUTPUT' | 'STATE', name: string, value: string): void {
  const path = process.env[`GITHUB_${file}`];
  if (!path || !existsSync(path)) throw new Error(`No GITHUB_${file} file to write ${name} to`);
  const delimiter = `ghadelimiter_${randomUUID()}`;
  if (name.includes(delimiter) || value.includes(delimiter)) {
    throw new Error(`The ${file.toLowerCase()} ${name} contains its own delimiter`);
  }
  appendFileSync(path, `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}${EOL}`, 'utf8');
}

export function info(message: string): void {
  process.stdout.write(`${message}${EOL}`);
}

export function debug(message: string): void {
  issueCommand('debug', {}, message);
}

export function warning(message: string): void {
  issueCommand('warning', {}, message);
}

export function error(message: string): void {
  issueCommand('error', {}, message);
}

/** Folds what `fn` logs under `title`; the group closes even when `fn` throws. */
export async function group<T>(title: string, fn: () => Promise<T>): Promise<T> {
  issueCommand('group', {}, title);
  try {
    return await fn();
  } finally {
    issueCommand('endgroup', {}, '');
  }
}

export function setSecret(secret: string): void {
  issueCommand('add-mask', {}, secret);
}

export function setOutput(name: string, value: string): void {
  if (process.env.GITHUB_OUTPUT) appendKeyValue('OUTPUT', name, value);
  else {
    // Runners before environment files: the deprecated command, on a line of its own.
    process.stdout.write(EOL);
    issueCommand('set-output', { name }, value);
  }
}

export function saveState(name: string, value: string): void {
  if (process.env.GITHUB_STATE) appendKeyValue('STATE', name, value);
  else {
    process.stdout.write(EOL);
    issueCommand('save-state', { name }, value);
  }
}

/** What the main step saved, as the runner gives it to the post step (STATE_<name>). */
export function getState(name: string): string {
  return process.env[`STATE_${name}`] ?? '';
}

/** Logs the error and makes the step fail when the process exits. */
export function setFailed(message: string): void {
  process.exitCode = 1;
  error(message);
}
