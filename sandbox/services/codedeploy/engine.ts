/**
 * The deployment engine: runs each ECS blue/green deployment in the background, as CodeDeploy
 * does, through the ECS internals and the load balancer. Every duration goes through the sandbox
 * clock, so SANDBOX_TIME_SCALE applies. One Run (run.ts) per deployment in progress; its phases
 * are in lifecycle.ts, install.ts, traffic.ts, termination.ts, rollback.ts and endings.ts.
 *
 * Lifecycle (order and meaning):
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-steps-ecs.html#deployment-steps-what-happens
 */
import type { Deployment } from './model.js';
import { Run, type EngineHost, type WaitType } from './run.js';

export type { EngineHost, WaitType } from './run.js';

/** Runs deployments; one Run per deployment in progress. */
export class DeploymentEngine {
  private readonly runs = new Map<string, Run>();

  constructor(private readonly host: EngineHost) {}

  start(deployment: Deployment): void {
    const run = new Run(this.host, deployment, (rollback) => this.start(rollback));
    this.runs.set(deployment.deploymentId, run);
    void run.done.finally(() => {
      if (this.runs.get(deployment.deploymentId) === run) this.runs.delete(deployment.deploymentId);
    });
  }

  /** Which wait a deployment is in, if any. */
  waitingFor(deploymentId: string): WaitType | undefined {
    return this.runs.get(deploymentId)?.waitingFor;
  }

  /** Ends the wait; false when the deployment is not in that wait. */
  continue(deploymentId: string, waitType: WaitType): boolean {
    return this.runs.get(deploymentId)?.continueWait(waitType) ?? false;
  }

  /** Stops a running deployment and waits until it has recorded the stop. */
  async stop(deploymentId: string, rollback: boolean): Promise<boolean> {
    const run = this.runs.get(deploymentId);
    if (!run) return false;
    run.requestStop('user', rollback);
    await run.done;
    return true;
  }

  /** Ends every engine (reset, sandbox stop): no timers are left behind. */
  async stopAll(): Promise<void> {
    const runs = [...this.runs.values()];
    for (const run of runs) run.requestStop('shutdown', false);
    await Promise.all(runs.map((run) => run.done));
    this.runs.clear();
  }
}
