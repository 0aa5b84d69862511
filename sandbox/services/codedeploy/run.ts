/**
 * One deployment in progress: the record its phases change, the stop request, the wait that
 * ContinueDeployment can end, and the waits every phase uses. The phases live by concern beside
 * it: lifecycle.ts (the events in order), install.ts, traffic.ts, termination.ts, rollback.ts, and
 * endings.ts (how a failure or a stop is recorded).
 */
import type { CodeDeployDeps } from '../../contracts.js';
import { recordFailure, recordStop } from './endings.js';
import { DeploymentFailure, errorText, StopSignal, type StopKind } from './failures.js';
import { runDeployment } from './lifecycle.js';
import type { Deployment, DeploymentGroup, LifecycleEventState } from './model.js';
import { runRollback } from './rollback.js';
import { taskSetsInfo } from './traffic.js';

export type WaitType = 'READY_WAIT' | 'TERMINATION_WAIT';

export interface EngineHost {
  deps: CodeDeployDeps;
  group(applicationName: string, deploymentGroupName: string): DeploymentGroup | undefined;
  /** Records a new deployment (a rollback) so the API can see it. */
  register(deployment: Deployment): void;
  /** Called when a deployment reached Succeeded, Failed or Stopped. */
  finished(deployment: Deployment): void;
}

export class Run {
  readonly done: Promise<void>;
  waitingFor: WaitType | undefined;
  /** Set once a stop is asked for (or a ready wait timed out): the run then records a stop, not a failure. */
  stopRequest: { kind: StopKind; rollback: boolean } | undefined;
  /** The lifecycle event in progress, which a failure or a stop marks Failed. */
  currentEvent: LifecycleEventState | undefined;
  readonly deps: CodeDeployDeps;
  private readonly abort = new AbortController();
  private endWait: (() => void) | undefined;

  constructor(
    readonly host: EngineHost,
    readonly d: Deployment,
    /** Runs a rollback deployment this run started. */
    readonly startRollbackRun: (rollback: Deployment) => void,
  ) {
    this.deps = host.deps;
    this.done = this.main();
  }

  requestStop(kind: StopKind, rollback: boolean): void {
    if (this.stopRequest) return;
    this.stopRequest = { kind, rollback };
    this.abort.abort(new StopSignal(kind));
  }

  continueWait(waitType: WaitType): boolean {
    if (this.waitingFor !== waitType || !this.endWait) return false;
    this.endWait();
    return true;
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  log(message: string): void {
    this.deps.log?.(`codedeploy ${this.d.deploymentId}: ${message}`);
  }

  touch(): void {
    this.d.target.lastUpdatedAt = this.deps.clock.now();
  }

  private async main(): Promise<void> {
    try {
      // Let CreateDeployment answer first: AWS reports a new deployment as Created.
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.throwIfStopped();
      this.d.status = 'InProgress';
      this.d.startTime = this.deps.clock.now();
      this.d.target.status = 'InProgress';
      this.touch();
      this.log(`InProgress (${this.d.creator === 'codeDeployRollback' ? 'rollback' : this.d.deploymentConfigName})`);
      if (this.d.creator === 'codeDeployRollback') await runRollback(this);
      else await runDeployment(this);
    } catch (error) {
      try {
        if (this.stopRequest) {
          if (this.stopRequest.kind !== 'shutdown')
            await recordStop(this, this.stopRequest.kind, this.stopRequest.rollback);
        } else {
          await recordFailure(this, error);
        }
      } catch (ending) {
        // The run must always settle: StopDeployment and stop() wait for it.
        this.log(`could not finish recording the end of the deployment: ${errorText(ending)}`);
      }
    } finally {
      this.waitingFor = undefined;
      this.endWait = undefined;
    }
  }

  throwIfStopped(): void {
    if (this.signal.aborted) throw this.signal.reason;
  }

  requireGroup(): DeploymentGroup {
    const group = this.host.group(this.d.applicationName, this.d.deploymentGroupName);
    if (!group) {
      throw new DeploymentFailure(
        'DEPLOYMENT_GROUP_MISSING',
        `The deployment group ${this.d.deploymentGroupName} was deleted after the deployment was created.`,
      );
    }
    return group;
  }

  /** Sleeps `ms` AWS time unless ContinueDeployment ends the wait; true when continued. */
  async waitOrContinue(waitType: WaitType, ms: number): Promise<boolean> {
    const local = new AbortController();
    let continued = false;
    const onStop = () => local.abort(this.signal.reason);
    this.signal.addEventListener('abort', onStop, { once: true });
    this.waitingFor = waitType;
    this.endWait = () => {
      continued = true;
      local.abort(new Error('continued'));
    };
    try {
      await this.deps.clock.sleep(ms, local.signal);
    } catch (error) {
      if (!continued) throw error;
    } finally {
      this.signal.removeEventListener('abort', onStop);
      this.waitingFor = undefined;
      this.endWait = undefined;
    }
    this.throwIfStopped();
    return continued;
  }

  /** Waits for `work` unless the run is stopped first (the work itself carries on, e.g. draining). */
  async untilStopped<T>(work: Promise<T>): Promise<T> {
    this.throwIfStopped();
    // If the stop wins the race, a later failure of the work is nobody's to handle.
    work.catch(() => undefined);
    let onAbort: (() => void) | undefined;
    const stopped = new Promise<never>((_, reject) => {
      onAbort = () => reject(this.signal.reason);
      this.signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([work, stopped]);
    } finally {
      this.signal.removeEventListener('abort', onAbort!);
    }
  }

  recordSuccess(): void {
    // Frozen before the old task set was removed, so the record still shows both sides.
    if (!this.d.target.finalTaskSets) this.freezeTaskSets();
    this.d.status = 'Succeeded';
    this.d.completeTime = this.deps.clock.now();
    this.d.target.status = 'Succeeded';
    this.touch();
    this.log('Succeeded');
    this.host.finished(this.d);
  }

  freezeTaskSets(): void {
    this.d.target.finalTaskSets = taskSetsInfo(
      this.deps,
      this.d,
      this.host.group(this.d.applicationName, this.d.deploymentGroupName),
    );
  }
}
