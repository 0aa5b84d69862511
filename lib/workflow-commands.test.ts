import { jest } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as commands from './workflow-commands.js';

let written: string[];
let dir: string;
const saved = { ...process.env };

beforeEach(() => {
  written = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  dir = mkdtempSync(join(tmpdir(), 'workflow-commands-'));
});

afterEach(() => {
  jest.restoreAllMocks();
  process.env = { ...saved };
  process.exitCode = undefined;
  rmSync(dir, { recursive: true, force: true });
});

test('messages are escaped so a line break cannot start another command', () => {
  commands.warning('50% done\n::add-mask::x');
  commands.issueCommand('error', { file: 'a:b,c', line: '' }, 'm');
  expect(written).toEqual(['::warning::50%25 done%0A::add-mask::x\n', '::error file=a%3Ab%2Cc::m\n']);
});

test('groups close even when the work throws', async () => {
  await expect(
    commands.group('step', async () => {
      throw new Error('no');
    }),
  ).rejects.toThrow('no');
  expect(written).toEqual(['::group::step\n', '::endgroup::\n']);
});

test('outputs and state go to their files with a delimiter the value cannot fake', () => {
  for (const name of ['OUTPUT', 'STATE']) writeFileSync(join(dir, name), '');
  process.env.GITHUB_OUTPUT = join(dir, 'OUTPUT');
  process.env.GITHUB_STATE = join(dir, 'STATE');
  commands.setOutput('image', 'line 1\nEOF\nline 3');
  commands.saveState('id', 'd-1');
  const output = readFileSync(join(dir, 'OUTPUT'), 'utf8');
  const [, delimiter] = /^image<<(ghadelimiter_[0-9a-f-]{36})\n/.exec(output) ?? [];
  expect(output).toBe(`image<<${delimiter}\nline 1\nEOF\nline 3\n${delimiter}\n`);
  expect(readFileSync(join(dir, 'STATE'), 'utf8')).toMatch(/^id<<ghadelimiter_[0-9a-f-]{36}\nd-1\nghadelimiter_/);
  process.env.STATE_id = 'd-1';
  expect(commands.getState('id')).toBe('d-1');
  expect(commands.getState('other')).toBe('');
});

test('setFailed fails the step and says why; setSecret masks', () => {
  commands.setFailed('broken');
  commands.setSecret('s3cret');
  expect(process.exitCode).toBe(1);
  expect(written).toEqual(['::error::broken\n', '::add-mask::s3cret\n']);
});
