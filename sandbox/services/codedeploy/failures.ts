/**
 * How a deployment run ends early: a DeploymentFailure (what becomes AWS's errorInformation) or a
 * StopSignal (StopDeployment, a ready wait that timed out, the sandbox shutting down).
 */
import { AwsError } from '../../contracts.js';
import type { Diagnostics } from './model.js';

/** A deployment failure: becomes errorInformation and the failing event's diagnostics. */
export class DeploymentFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly diagnostics?: Partial<Diagnostics>,
  ) {
    super(message);
  }
}

export type StopKind = 'user' | 'readyTimeout' | 'shutdown';

export class StopSignal extends Error {
  constructor(readonly kind: StopKind) {
    super(`deployment stopped (${kind})`);
  }
}

export function errorText(error: unknown): string {
  if (error instanceof AwsError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
