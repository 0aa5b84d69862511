/**
 * The docker CLI, as build-image uses it: always through @actions/exec with argument arrays (no
 * shell), the registry password on stdin only.
 */
import * as exec from '@actions/exec';
import { ActionFailure } from '../../../lib/errors.js';
import { isCachedStepLine } from './cache.js';

export interface BuildOutcome {
  exitCode: number;
  /** The last lines the build printed (stdout and stderr, in arrival order). */
  tail: string[];
  /** Build steps BuildKit took from the layer cache. */
  cachedSteps: number;
}

export interface DockerCli {
  /** Fails with a clear ActionFailure when docker is missing or its daemon does not answer. */
  ensureAvailable(): Promise<string>;
  login(registry: string, username: string, password: string): Promise<void>;
  /** Removes the stored credentials for the registry (never fails the build). */
  logout(registry: string): Promise<void>;
  build(args: string[]): Promise<BuildOutcome>;
}

export const TAIL_LINES = 30;

export function createDockerCli(docker = 'docker'): DockerCli {
  return {
    async ensureAvailable() {
      let result: exec.ExecOutput;
      try {
        result = await exec.getExecOutput(docker, ['version', '--format', '{{.Server.Version}}'], {
          silent: true,
          ignoreReturnCode: true,
        });
      } catch (error) {
        throw new ActionFailure(
          `docker is not installed (no '${docker}' on PATH): ${(error as Error).message} ` +
            'Use a runner with Docker (ubuntu-latest has it) or install it before this step.',
        );
      }
      if (result.exitCode !== 0) {
        const detail = (result.stderr || result.stdout).trim().split('\n').slice(-3).join(' ');
        throw new ActionFailure(
          `docker is installed but its daemon does not answer (docker version exited ${result.exitCode}: ${detail}). ` +
            'Start the Docker daemon (or the docker service on a self-hosted runner) and check that this user may use it.',
        );
      }
      return result.stdout.trim().split('\n')[0] ?? '';
    },

    async login(registry, username, password) {
      const result = await exec.getExecOutput(docker, ['login', '--username', username, '--password-stdin', registry], {
        input: Buffer.from(password),
        silent: true,
        ignoreReturnCode: true,
      });
      if (result.exitCode !== 0) {
        throw new ActionFailure(
          `docker login to ${registry} failed (exit ${result.exitCode}): ${(result.stderr || result.stdout).trim()}`,
        );
      }
    },

    async logout(registry) {
      await exec.exec(docker, ['logout', registry], { silent: true, ignoreReturnCode: true });
    },

    async build(args) {
      const tail: string[] = [];
      let cachedSteps = 0;
      const keep = (line: string) => {
        if (isCachedStepLine(line)) cachedSteps++;
        tail.push(line);
        if (tail.length > TAIL_LINES) tail.shift();
      };
      const exitCode = await exec.exec(docker, args, {
        ignoreReturnCode: true,
        listeners: { stdline: keep, errline: keep },
      });
      return { exitCode, tail, cachedSteps };
    },
  };
}
