/**
 * The deployment engine: runs one ECS blue/green deployment in the background, as CodeDeploy
 * does, through the ECS internals and the load balancer. Every duration goes through the sandbox
 * clock, so SANDBOX_TIME_SCALE applies.
 *
 * Lifecycle (order and meaning):
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-steps-ecs.html#deployment-steps-what-happens
 */
import { AwsError, type CodeDeployDeps, type TaskSetInfo } from '../../contracts.js';
import { ECS_HOOKABLE_EVENTS, ECS_LIFECYCLE_EVENTS, type EcsLifecycleEvent } from './appspec.js';
import { trafficSteps } from './configs.js';
import {
  newDeploymentId,
  type Deployment,
  type DeploymentGroup,
  type Diagnostics,
  type LifecycleEventState,
  type TaskSetRef,
} from './model.js';
import { answerHook } from './hooks.js';

const MINUTE_MS = 60_000;

/**
 * How long Install waits for the replacement task set to be healthy. AWS fails the deployment
 * with "The deployment timed out while waiting for the replacement task set to become healthy.
 * This time out period is 60 minutes."
 */
const INSTALL_TIMEOUT_MS = 60 * MINUTE_MS;

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

type StopKind = 'user' | 'readyTimeout' | 'shutdown';

class StopSignal extends Error {
  constructor(readonly kind: StopKind) {
    super(`deployment stopped (${kind})`);
  }
}

export interface EngineHost {
  deps: CodeDeployDeps;
  group(applicationName: string, deploymentGroupName: string): DeploymentGroup | undefined;
  /** Records a new deployment (a rollback) so the API can see it. */
  register(deployment: Deployment): void;
  /** Called when a deployment reached Succeeded, Failed or Stopped. */
  finished(deployment: Deployment): void;
}

export type WaitType = 'READY_WAIT' | 'TERMINATION_WAIT';

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

class Run {
  readonly done: Promise<void>;
  waitingFor: WaitType | undefined;
  private readonly abort = new AbortController();
  private stopRequest: { kind: StopKind; rollback: boolean } | undefined;
  private endWait: (() => void) | undefined;
  private currentEvent: LifecycleEventState | undefined;
  private readonly deps: CodeDeployDeps;

  constructor(
    private readonly host: EngineHost,
    private readonly d: Deployment,
    private readonly startRollbackRun: (rollback: Deployment) => void,
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

  private get signal(): AbortSignal {
    return this.abort.signal;
  }

  private log(message: string): void {
    this.deps.log?.(`codedeploy ${this.d.deploymentId}: ${message}`);
  }

  private touch(): void {
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
      if (this.d.creator === 'codeDeployRollback') await this.runRollback();
      else await this.runDeployment();
    } catch (error) {
      try {
        if (this.stopRequest) {
          if (this.stopRequest.kind !== 'shutdown')
            await this.recordStop(this.stopRequest.kind, this.stopRequest.rollback);
        } else {
          await this.recordFailure(error);
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

  private throwIfStopped(): void {
    if (this.signal.aborted) throw this.signal.reason;
  }

  // -------------------------------------------------------------------------------------------
  // The forward deployment

  private async runDeployment(): Promise<void> {
    const group = this.requireGroup();
    const pair = group.loadBalancerInfo.targetGroupPairInfoList?.[0] ?? {};
    const prodListenerArn = pair.prodTrafficRoute?.listenerArns?.[0];
    const testListenerArn = pair.testTrafficRoute?.listenerArns?.[0];
    const readyOption = this.d.blueGreenDeploymentConfiguration.deploymentReadyOption;

    for (const event of ECS_LIFECYCLE_EVENTS) {
      await this.runEvent(event, async () => {
        if (event === 'Install') await this.install(group, prodListenerArn, testListenerArn);
        else if (event === 'AllowTestTraffic') this.routeTestTraffic(testListenerArn, 'green');
        else if (event === 'AllowTraffic') await this.shiftProductionTraffic(prodListenerArn);
      });
      if (event === 'AfterAllowTestTraffic' && readyOption?.actionOnTimeout === 'STOP_DEPLOYMENT') {
        await this.readyWait(readyOption.waitTimeInMinutes);
      }
    }
    await this.terminateOriginal();
    this.recordSuccess();
  }

  private requireGroup(): DeploymentGroup {
    const group = this.host.group(this.d.applicationName, this.d.deploymentGroupName);
    if (!group) {
      throw new DeploymentFailure(
        'DEPLOYMENT_GROUP_MISSING',
        `The deployment group ${this.d.deploymentGroupName} was deleted after the deployment was created.`,
      );
    }
    return group;
  }

  /** Runs one lifecycle event: hooks succeed at once (no Lambda here), the fault can fail any event. */
  private async runEvent(name: EcsLifecycleEvent, action?: () => Promise<void> | void): Promise<void> {
    this.throwIfStopped();
    const event = this.d.target.lifecycleEvents.find((e) => e.lifecycleEventName === name)!;
    event.status = 'InProgress';
    event.startTime = this.deps.clock.now();
    this.currentEvent = event;
    this.touch();
    const isHook = ECS_HOOKABLE_EVENTS.includes(name);
    const fault = this.deps.faults.current().failLifecycleEvent;
    // Rollbacks are exempt, so a fault aimed at a deployment still lets it roll back.
    if (fault === name && this.d.creator !== 'codeDeployRollback') {
      throw new DeploymentFailure(
        isHook ? 'HOOK_EXECUTION_FAILURE' : 'ECS_UPDATE_ERROR',
        `The deployment failed because the ${name} lifecycle event failed (sandbox fault failLifecycleEvent=${name}).`,
        { errorCode: 'ScriptFailed', message: `${name} failed: injected by the sandbox fault failLifecycleEvent` },
      );
    }
    const hookFunctions = isHook ? this.d.appSpec?.hooks[name] : undefined;
    if (hookFunctions?.length) {
      const answer = answerHook(name, hookFunctions, this.deps.faults.current());
      if (answer.status === 'Failed' && this.d.creator !== 'codeDeployRollback') {
        throw new DeploymentFailure('HOOK_EXECUTION_FAILURE', answer.diagnostics.message, answer.diagnostics);
      }
      event.diagnostics = answer.diagnostics;
    }
    await action?.();
    // LifecycleEventStatus includes Skipped ("the deployment lifecycle event has been skipped");
    // https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_LifecycleEvent.html
    // Which events AWS reports that way is not documented: that a hook event with no hook may be
    // Skipped is our assumption, so the sandbox does it only when asked (fault skipHooklessLifecycleEvents).
    const skipped = isHook && !hookFunctions?.length && this.deps.faults.current().skipHooklessLifecycleEvents === true;
    event.status = skipped ? 'Skipped' : 'Succeeded';
    event.endTime = this.deps.clock.now();
    this.currentEvent = undefined;
    this.touch();
    this.log(`${name} ${event.status}`);
  }

  /** Install: create the replacement task set on the other target group of the pair and wait until it is healthy. */
  private async install(group: DeploymentGroup, prodListenerArn?: string, testListenerArn?: string): Promise<void> {
    const appSpec = this.d.appSpec!;
    const { cluster, service } = this.d.target;
    let svc;
    try {
      svc = this.deps.ecs.service(cluster, service);
    } catch (error) {
      throw new DeploymentFailure(
        'INVALID_ECS_SERVICE',
        `The ECS service ${service} in cluster ${cluster} cannot be deployed: ${errorText(error)}`,
      );
    }
    if (svc.status !== 'ACTIVE') {
      throw new DeploymentFailure('INVALID_ECS_SERVICE', `The ECS service ${service} is ${svc.status}, not ACTIVE.`);
    }
    // ECS checks these when CodeDeploy creates the task set; its messages come back as ECS_UPDATE_ERROR.
    const taskDefinition = this.deps.ecs.taskDefinition(appSpec.taskDefinition);
    if (!taskDefinition) {
      throw new DeploymentFailure(
        'ECS_UPDATE_ERROR',
        `Unable to find the task definition ${appSpec.taskDefinition} given in the AppSpec file.`,
      );
    }
    if (taskDefinition.status !== 'ACTIVE') {
      throw new DeploymentFailure(
        'ECS_UPDATE_ERROR',
        `TaskDefinition ${taskDefinition.taskDefinitionArn} is inactive.`,
      );
    }
    const container = taskDefinition.containerDefinitions.find((c) => c.name === appSpec.containerName);
    if (!container) {
      throw new DeploymentFailure(
        'ECS_UPDATE_ERROR',
        `The container ${appSpec.containerName} does not exist in the task definition ${taskDefinition.taskDefinitionArn}.`,
      );
    }
    if (!(container.portMappings ?? []).some((p) => p.containerPort === appSpec.containerPort)) {
      throw new DeploymentFailure(
        'ECS_UPDATE_ERROR',
        `The container ${appSpec.containerName} did not have a container port ${appSpec.containerPort} defined.`,
      );
    }

    // CodeDeploy gives the replacement the target group the PRIMARY task set does not use.
    // https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-steps-ecs.html#deployment-steps-prerequisites-ecs
    const names = (group.loadBalancerInfo.targetGroupPairInfoList?.[0]?.targetGroups ?? []).map((tg) => tg.name ?? '');
    const pair = names.map((name) => this.deps.lb.targetGroupByName(name));
    if (pair.length !== 2 || pair.some((tg) => !tg)) {
      throw new DeploymentFailure(
        'ELASTIC_LOAD_BALANCING_INVALID',
        `The deployment group's target groups ${names.join(', ')} could not all be found.`,
      );
    }
    const [first, second] = pair as [NonNullable<(typeof pair)[0]>, NonNullable<(typeof pair)[0]>];
    const primary = svc.taskSets.find((ts) => ts.status === 'PRIMARY');
    let blueArn = primary?.targetGroupArn ?? svc.loadBalancer?.targetGroupArn;
    if (blueArn !== first.arn && blueArn !== second.arn) {
      // No task set serves yet: treat the target group production now favours as blue.
      blueArn =
        this.weightOf(prodListenerArn, second.arn) > this.weightOf(prodListenerArn, first.arn) ? second.arn : first.arn;
    }
    const blueTg = blueArn === first.arn ? first : second;
    const greenTg = blueTg === first ? second : first;
    this.d.target.blue = { taskSetId: primary?.id, targetGroupArn: blueTg.arn, targetGroupName: blueTg.name };
    this.d.target.green = { targetGroupArn: greenTg.arn, targetGroupName: greenTg.name };

    // A stopped deployment without rollback leaves its task set behind; clear it away from traffic first.
    for (const leftover of svc.taskSets.filter((ts) => ts.status === 'ACTIVE')) {
      this.routeAll(prodListenerArn, blueTg.arn, greenTg.arn, 0);
      this.routeAll(testListenerArn, blueTg.arn, greenTg.arn, 0);
      this.log(`removing task set ${leftover.id} left by an earlier deployment`);
      await this.untilStopped(this.deps.ecs.deleteTaskSet(cluster, service, leftover.id));
    }

    let created: TaskSetInfo;
    try {
      created = this.deps.ecs.createTaskSet(cluster, service, {
        taskDefinition: taskDefinition.taskDefinitionArn,
        targetGroupArn: greenTg.arn,
        containerName: appSpec.containerName,
        containerPort: appSpec.containerPort,
        externalId: this.d.deploymentId,
        scalePercent: 100,
      });
    } catch (error) {
      throw new DeploymentFailure('ECS_UPDATE_ERROR', `The ECS service cannot be updated: ${errorText(error)}`);
    }
    this.d.target.green.taskSetId = created.id;
    this.touch();
    this.log(`replacement task set ${created.id} created on ${greenTg.name}`);
    await this.waitHealthy(created.id);
  }

  /**
   * Waits (bounded) until every replacement task is healthy. Tasks that keep stopping fail the
   * deployment as soon as as many have stopped as the task set wants, instead of after AWS's full
   * 60 minutes, so a crashing image fails in seconds; the message carries their stoppedReason.
   */
  private async waitHealthy(taskSetId: string): Promise<void> {
    const { cluster, service } = this.d.target;
    const pollMs = this.pollMs();
    let waited = 0;
    for (;;) {
      const ts = this.deps.ecs.taskSet(cluster, service, taskSetId);
      if (ts.healthyCount >= ts.desiredCount && ts.runningCount >= ts.desiredCount) return;
      if (ts.stoppedReasons.length >= Math.max(1, ts.desiredCount)) throw unhealthyFailure(ts);
      if (waited >= INSTALL_TIMEOUT_MS) {
        throw new DeploymentFailure(
          'ECS_UPDATE_ERROR',
          'The deployment timed out while waiting for the replacement task set to become healthy. This time out period is 60 minutes.' +
            stoppedReasonsText(ts),
          { errorCode: 'ScriptTimedOut', logTail: ts.stoppedReasons.join('\n') },
        );
      }
      await this.deps.clock.sleep(pollMs, this.signal);
      waited += pollMs;
    }
  }

  /** Poll period in AWS ms: one AWS second, but never more often than every 25 real ms. */
  private pollMs(): number {
    return Math.max(1000, 25 * this.deps.clock.scale);
  }

  private routeTestTraffic(testListenerArn: string | undefined, to: 'green' | 'blue'): void {
    const { blue, green } = this.d.target;
    if (!testListenerArn || !blue || !green) return;
    this.routeAll(testListenerArn, blue.targetGroupArn, green.targetGroupArn, to === 'green' ? 100 : 0);
  }

  /** AllowTraffic: production weights step per the deployment config, then the replacement becomes PRIMARY. */
  private async shiftProductionTraffic(prodListenerArn: string | undefined): Promise<void> {
    const { blue, green, cluster, service } = this.d.target;
    if (!blue || !green?.taskSetId)
      throw new DeploymentFailure('INTERNAL_ERROR', 'AllowTraffic ran without a replacement task set.');
    if (!prodListenerArn || !this.deps.lb.listener(prodListenerArn)) {
      throw new DeploymentFailure(
        'ELASTIC_LOAD_BALANCING_INVALID',
        `The production listener ${prodListenerArn ?? '(none)'} was not found.`,
      );
    }
    for (const step of trafficSteps(this.d.trafficRoutingConfig)) {
      if (step.waitBeforeMs > 0) await this.deps.clock.sleep(step.waitBeforeMs, this.signal);
      this.routeAll(prodListenerArn, blue.targetGroupArn, green.targetGroupArn, step.greenPercent);
      this.touch();
      this.log(`production traffic: ${step.greenPercent}% to the replacement task set`);
    }
    this.deps.ecs.setPrimaryTaskSet(cluster, service, green.taskSetId);
  }

  /** Sets a listener's forward weights between the two target groups (green gets `greenPercent`). */
  private routeAll(listenerArn: string | undefined, blueArn: string, greenArn: string, greenPercent: number): void {
    if (!listenerArn) return;
    const listener = this.deps.lb.listener(listenerArn);
    if (!listener) return;
    listener.setWeights([
      { targetGroupArn: blueArn, weight: 100 - greenPercent },
      { targetGroupArn: greenArn, weight: greenPercent },
    ]);
  }

  private weightOf(listenerArn: string | undefined, targetGroupArn: string): number {
    const listener = listenerArn ? this.deps.lb.listener(listenerArn) : undefined;
    if (!listener) return 0;
    const weights = listener.weights();
    const total = weights.reduce((sum, w) => sum + w.weight, 0);
    const own = weights.find((w) => w.targetGroupArn === targetGroupArn)?.weight ?? 0;
    return total > 0 ? (own * 100) / total : 0;
  }

  /**
   * deploymentReadyOption STOP_DEPLOYMENT: the deployment is Ready, test traffic reaches the
   * replacement, and production waits for ContinueDeployment(READY_WAIT); if none comes within
   * waitTimeInMinutes the deployment is Stopped.
   * https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_DeploymentReadyOption.html
   */
  private async readyWait(waitTimeInMinutes: number | undefined): Promise<void> {
    this.d.status = 'Ready';
    this.d.target.status = 'Ready';
    this.touch();
    this.d.deploymentStatusMessages.push(
      'The replacement task set is ready; waiting for traffic to be rerouted (ContinueDeployment READY_WAIT).',
    );
    this.log('Ready: waiting for ContinueDeployment');
    // Unset, AWS's upper bound (2 days) applies.
    const continued = await this.waitOrContinue('READY_WAIT', (waitTimeInMinutes ?? 2880) * MINUTE_MS);
    if (!continued) {
      this.stopRequest = { kind: 'readyTimeout', rollback: false };
      throw new StopSignal('readyTimeout');
    }
    this.d.status = 'InProgress';
    this.d.target.status = 'InProgress';
    this.touch();
    this.log('rerouting traffic (ContinueDeployment)');
  }

  /** Sleeps `ms` AWS time unless ContinueDeployment ends the wait; true when continued. */
  private async waitOrContinue(waitType: WaitType, ms: number): Promise<boolean> {
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

  /**
   * After AllowTraffic the deployment stays InProgress through the termination wait and reports
   * Succeeded once the original task set is gone (CI tools that wait for success wait it out:
   * https://github.com/aws-actions/amazon-ecs-deploy-task-definition/issues/345).
   * ContinueDeployment(TERMINATION_WAIT) ends the wait early.
   * https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_BlueInstanceTerminationOption.html
   */
  private async terminateOriginal(): Promise<void> {
    const option = this.d.blueGreenDeploymentConfiguration.terminateBlueInstancesOnDeploymentSuccess;
    const { blue, cluster, service } = this.d.target;
    if (option?.action === 'KEEP_ALIVE' || !blue?.taskSetId) return;
    this.d.instanceTerminationWaitTimeStarted = true;
    this.touch();
    const minutes = option?.terminationWaitTimeInMinutes ?? 0;
    if (minutes > 0) {
      this.log(`waiting ${minutes} min before terminating the original task set`);
      await this.waitOrContinue('TERMINATION_WAIT', minutes * MINUTE_MS);
    }
    this.freezeTaskSets();
    this.log(`terminating the original task set ${blue.taskSetId}`);
    await this.untilStopped(this.deps.ecs.deleteTaskSet(cluster, service, blue.taskSetId));
  }

  /** Waits for `work` unless the run is stopped first (the work itself carries on, e.g. draining). */
  private async untilStopped<T>(work: Promise<T>): Promise<T> {
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

  // -------------------------------------------------------------------------------------------
  // Rollback deployments: reroute to the original task set, remove the replacement.
  // https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-steps-ecs.html#deployment-rollback-ecs

  private async runRollback(): Promise<void> {
    const group = this.requireGroup();
    const pair = group.loadBalancerInfo.targetGroupPairInfoList?.[0] ?? {};
    const prodListenerArn = pair.prodTrafficRoute?.listenerArns?.[0];
    const testListenerArn = pair.testTrafficRoute?.listenerArns?.[0];
    // In a rollback, "green" is the original task set being restored and "blue" the one being removed.
    const { blue: removed, green: restored, cluster, service } = this.d.target;
    if (!restored?.taskSetId)
      throw new DeploymentFailure('INTERNAL_ERROR', 'There is no original task set to roll back to.');
    for (const event of ECS_LIFECYCLE_EVENTS) {
      await this.runEvent(event, () => {
        if (event === 'Install') {
          // The original task set must still be there: rolling back never starts tasks afresh.
          this.deps.ecs.taskSet(cluster, service, restored.taskSetId!);
        } else if (event === 'AllowTestTraffic') {
          this.routeTestTraffic(testListenerArn, 'green');
        } else if (event === 'AllowTraffic') {
          if (removed) this.routeAll(prodListenerArn, removed.targetGroupArn, restored.targetGroupArn, 100);
          this.deps.ecs.setPrimaryTaskSet(cluster, service, restored.taskSetId!);
        }
      });
    }
    this.freezeTaskSets();
    if (removed?.taskSetId) {
      this.log(`removing the replacement task set ${removed.taskSetId}`);
      await this.untilStopped(
        this.deps.ecs.deleteTaskSet(cluster, service, removed.taskSetId).catch((error: unknown) => {
          // Already gone is what a rollback wants.
          if (!(error instanceof AwsError)) throw error;
        }),
      );
    }
    this.recordSuccess();
  }

  // -------------------------------------------------------------------------------------------
  // Endings

  private endEvents(currentStatus: 'Failed', diagnostics?: Diagnostics): void {
    const now = this.deps.clock.now();
    const current = this.currentEvent;
    if (current) {
      current.status = currentStatus;
      current.endTime = now;
      if (diagnostics) current.diagnostics = diagnostics;
    }
    for (const event of this.d.target.lifecycleEvents) {
      if (event.status === 'Pending' || event.status === 'InProgress') event.status = 'Skipped';
    }
    this.currentEvent = undefined;
  }

  private recordSuccess(): void {
    // Frozen before the old task set was removed, so the record still shows both sides.
    if (!this.d.target.finalTaskSets) this.freezeTaskSets();
    this.d.status = 'Succeeded';
    this.d.completeTime = this.deps.clock.now();
    this.d.target.status = 'Succeeded';
    this.touch();
    this.log('Succeeded');
    this.host.finished(this.d);
  }

  private async recordFailure(error: unknown): Promise<void> {
    const failure =
      error instanceof DeploymentFailure
        ? error
        : new DeploymentFailure(
            'INTERNAL_ERROR',
            `The deployment failed because of an internal error: ${errorText(error)}`,
          );
    const eventName = this.currentEvent?.lifecycleEventName;
    this.endEvents('Failed', {
      errorCode: failure.diagnostics?.errorCode ?? 'UnknownError',
      scriptName: failure.diagnostics?.scriptName ?? '',
      message: failure.diagnostics?.message ?? failure.message,
      logTail: failure.diagnostics?.logTail ?? '',
    });
    this.d.status = 'Failed';
    this.d.errorInformation = { code: failure.code, message: failure.message };
    this.d.deploymentStatusMessages.push(eventName ? `${eventName} failed: ${failure.message}` : failure.message);
    this.d.completeTime = this.deps.clock.now();
    this.d.target.status = 'Failed';
    this.freezeTaskSets();
    this.touch();
    this.log(`Failed: ${failure.code}: ${failure.message}`);
    this.host.finished(this.d);
    const config = this.d.autoRollbackConfiguration;
    if (config?.enabled && config.events?.includes('DEPLOYMENT_FAILURE')) this.startRollback('failed');
  }

  private async recordStop(kind: StopKind, rollback: boolean): Promise<void> {
    this.endEvents('Failed', {
      errorCode: 'UnknownError',
      scriptName: '',
      message:
        kind === 'readyTimeout'
          ? 'Traffic was not rerouted within the ready wait time.'
          : 'The deployment was stopped while this lifecycle event was in progress.',
      logTail: '',
    });
    this.d.status = 'Stopped';
    this.d.errorInformation =
      kind === 'readyTimeout'
        ? {
            code: 'TIMEOUT',
            message: `The deployment was stopped because traffic was not rerouted to the replacement task set within ${this.d.blueGreenDeploymentConfiguration.deploymentReadyOption?.waitTimeInMinutes ?? 2880} minutes.`,
          }
        : { code: 'MANUAL_STOP', message: 'The deployment was stopped by a StopDeployment request.' };
    this.d.deploymentStatusMessages.push(this.d.errorInformation.message);
    this.d.completeTime = this.deps.clock.now();
    // A stopped deployment counts its target as Failed in deploymentOverview, as AWS answers:
    // https://github.com/CircleCI-Archived/circleci-orbs/issues/167
    this.d.target.status = 'Failed';
    this.freezeTaskSets();
    this.touch();
    this.log(`Stopped (${kind}${rollback ? ', rolling back' : ''})`);
    if (kind === 'readyTimeout') await this.discardReplacement();
    this.host.finished(this.d);
    if (rollback && this.d.creator !== 'codeDeployRollback') this.startRollback('stopped');
  }

  /** A ready wait that timed out never moved production traffic: the original keeps serving, the replacement goes. */
  private async discardReplacement(): Promise<void> {
    const { blue, green, cluster, service } = this.d.target;
    const group = this.host.group(this.d.applicationName, this.d.deploymentGroupName);
    const testListenerArn = group?.loadBalancerInfo.targetGroupPairInfoList?.[0]?.testTrafficRoute?.listenerArns?.[0];
    this.routeTestTraffic(testListenerArn, 'blue');
    if (!green?.taskSetId || !blue) return;
    await this.deps.ecs.deleteTaskSet(cluster, service, green.taskSetId).catch(() => undefined);
  }

  /** Starts the rollback deployment (a new deployment id) that reroutes traffic to the original task set. */
  private startRollback(why: 'failed' | 'stopped'): void {
    const { blue, green } = this.d.target;
    if (!blue?.taskSetId || !green) {
      this.d.rollbackInfo = {
        rollbackMessage: 'There was no original task set to roll back to; nothing was rolled back.',
      };
      return;
    }
    const rollbackId = newDeploymentId();
    const now = this.deps.clock.now();
    const rollback: Deployment = {
      ...this.d,
      deploymentId: rollbackId,
      revision: this.d.previousRevision ?? this.d.revision,
      previousRevision: this.d.revision,
      status: 'Created',
      errorInformation: undefined,
      createTime: now,
      startTime: undefined,
      completeTime: undefined,
      description: `Rollback of ${this.d.deploymentId}`,
      creator: 'codeDeployRollback',
      rollbackInfo: {
        rollbackTriggeringDeploymentId: this.d.deploymentId,
        rollbackMessage: `Rolls back deployment ${this.d.deploymentId}, which ${why === 'failed' ? 'failed' : 'was stopped'}.`,
      },
      trafficRoutingConfig: { type: 'AllAtOnce' },
      instanceTerminationWaitTimeStarted: false,
      deploymentStatusMessages: [],
      appSpec: undefined,
      target: {
        cluster: this.d.target.cluster,
        service: this.d.target.service,
        targetId: this.d.target.targetId,
        targetArn: this.d.target.targetArn,
        status: 'Pending',
        lastUpdatedAt: now,
        lifecycleEvents: ECS_LIFECYCLE_EVENTS.map((name) => ({ lifecycleEventName: name, status: 'Pending' as const })),
        blue: { ...green },
        green: { ...blue },
      },
    };
    this.d.rollbackInfo = {
      rollbackDeploymentId: rollbackId,
      rollbackMessage: `Rollback deployment ${rollbackId} reroutes traffic to the original task set and removes the replacement.`,
    };
    this.d.deploymentStatusMessages.push(`Rollback deployment ${rollbackId} started.`);
    this.host.register(rollback);
    this.startRollbackRun(rollback);
  }

  private freezeTaskSets(): void {
    this.d.target.finalTaskSets = taskSetsInfo(
      this.deps,
      this.d,
      this.host.group(this.d.applicationName, this.d.deploymentGroupName),
    );
  }
}

function unhealthyFailure(ts: TaskSetInfo): DeploymentFailure {
  return new DeploymentFailure(
    'ECS_UPDATE_ERROR',
    `The deployment failed because the replacement task set ${ts.id} did not become healthy: ` +
      `${ts.stoppedReasons.length} of its tasks stopped (desired ${ts.desiredCount}, healthy ${ts.healthyCount}).` +
      stoppedReasonsText(ts),
    {
      errorCode: 'ScriptFailed',
      message: `Replacement tasks stopped.${stoppedReasonsText(ts)}`,
      logTail: ts.stoppedReasons.join('\n'),
    },
  );
}

function stoppedReasonsText(ts: TaskSetInfo): string {
  if (ts.stoppedReasons.length === 0) return '';
  const distinct = [...new Set(ts.stoppedReasons)].slice(0, 3);
  return ` Stopped reason: ${distinct.join(' | ')}`;
}

function errorText(error: unknown): string {
  if (error instanceof AwsError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/**
 * The ECS target's taskSetsInfo: each task set with its production traffic weight.
 * https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_ECSTaskSet.html
 * taskSetLabel is the TargetLabel enum, whose wire values are `Blue` and `Green` (the SDK's
 * TargetLabel.BLUE === 'Blue'), although the prose writes BLUE and GREEN.
 */
export function taskSetsInfo(
  deps: CodeDeployDeps,
  d: Deployment,
  group: DeploymentGroup | undefined,
): Record<string, unknown>[] {
  if (d.target.finalTaskSets && d.status !== 'InProgress' && d.status !== 'Ready' && d.status !== 'Created') {
    return d.target.finalTaskSets;
  }
  const prodListenerArn = group?.loadBalancerInfo.targetGroupPairInfoList?.[0]?.prodTrafficRoute?.listenerArns?.[0];
  const listener = prodListenerArn ? deps.lb.listener(prodListenerArn) : undefined;
  const weights = listener?.weights() ?? [];
  const total = weights.reduce((sum, w) => sum + w.weight, 0);
  const out: Record<string, unknown>[] = [];
  for (const [label, ref] of [
    ['Blue', d.target.blue],
    ['Green', d.target.green],
  ] as [string, TaskSetRef | undefined][]) {
    if (!ref?.taskSetId) continue;
    let ts: TaskSetInfo;
    try {
      ts = deps.ecs.taskSet(d.target.cluster, d.target.service, ref.taskSetId);
    } catch {
      continue; // deleted
    }
    const own = weights.find((w) => w.targetGroupArn === ref.targetGroupArn)?.weight ?? 0;
    out.push({
      identifer: ts.id,
      desiredCount: ts.desiredCount,
      pendingCount: ts.pendingCount,
      runningCount: ts.runningCount,
      status: ts.status,
      trafficWeight: total > 0 ? (own * 100) / total : 0,
      targetGroup: { name: ref.targetGroupName },
      taskSetLabel: label,
    });
  }
  return out;
}
