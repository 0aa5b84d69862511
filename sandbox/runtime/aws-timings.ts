/**
 * How long each phase of a blue/green release takes on AWS, in AWS seconds: the documented
 * figures, each with its source, and our assumptions where AWS documents none (said so). The
 * release timeline (bench/timeline.ts) is built from these and the Terraform stacks' settings.
 */

export interface Timing {
  seconds: number;
  source: string;
}

export const AWS_TIMINGS = {
  /**
   * A Fargate task from RunTask/CreateTaskSet to RUNNING: capacity, network interface, the whole
   * image pulled (Fargate caches no layers) and unpacked, the container started. "30-45 seconds or
   * longer"; 40 s for the sample app's small Alpine image.
   */
  fargateTaskStart: {
    seconds: 40,
    source:
      'https://repost.aws/questions/QUjZAzJd27SZWxXM7MgyxOZw (AWS: 30-45 s or longer); https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-pull-behavior.html (no layer cache)',
  },
  /**
   * The target group's health check interval by default (30 s). A newly registered target needs
   * one passing check, whatever the healthy threshold (which counts only for a target coming back
   * from unhealthy); when the first check is sent is not documented: we take one interval.
   */
  healthCheckDefaults: {
    seconds: 30,
    source:
      'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/load-balancer-healthcheck.html (one passing check for a new target); the first check within one interval is our assumption',
  },
  /** A target group's deregistration delay: 300 s unless set. */
  deregistrationDelayDefault: {
    seconds: 300,
    source: 'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/load-balancer-connection-draining.html',
  },
  /**
   * After the deregistration delay ECS sends SIGTERM, then SIGKILL after stopTimeout (30 s on
   * Fargate by default). The sample app, idle by then, exits within a second: our assumption.
   */
  taskStop: {
    seconds: 1,
    source:
      'our assumption (the app exits at once when idle); bound: stopTimeout 30 s, https://docs.aws.amazon.com/AmazonECS/latest/developerguide/load-balancer-connection-draining.html',
  },
  /** CodeDeploy moving a listener to the other target group, or back on rollback: our assumption. */
  listenerSwitch: { seconds: 5, source: 'our assumption (AWS documents no figure)' },
  /** CodeDeploy's own bookkeeping between two lifecycle events: our assumption. */
  lifecycleStep: { seconds: 2, source: 'our assumption (AWS documents no figure)' },
  /** deploy-bluegreen's checks through the test listener (a few requests): our assumption. */
  testTrafficCheck: { seconds: 5, source: "our assumption (deploy-bluegreen's default test requests)" },
  /** RegisterTaskDefinition and CreateDeployment, with the reads around them: our assumption. */
  registerAndCreate: { seconds: 2, source: 'our assumption (a handful of API calls)' },
  /** CodeDeploy deletes the blue task set this many minutes after the switch unless told otherwise. */
  terminationWaitDefault: {
    seconds: 300,
    source:
      'https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_BlueInstanceTerminationOption.html (terminationWaitTimeInMinutes, up to 2880); 5 min is the default we compare with',
  },
  /**
   * An ALB metric datapoint reaches CloudWatch about a period after the minute it counts: our
   * assumption for the lag before an alarm can see a failure (ALB metrics are per 60 s).
   */
  metricLag: {
    seconds: 60,
    source:
      'our assumption; ALB reports metrics per 60 s: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html',
  },
  /** Building the sample app's image with no layer cache (base image pulled, npm ci): our assumption. */
  coldBuild: { seconds: 90, source: 'our assumption (no cache: base image pull, npm ci, export)' },
  /** The same build with a warm cache, only `COPY src` redone: our assumption. */
  warmBuild: { seconds: 20, source: 'our assumption (cache import, one COPY, export)' },
  /** Pushing every layer of the image (about 50 MB) to ECR: our assumption. */
  coldPush: { seconds: 20, source: 'our assumption (every layer uploaded)' },
  /** Pushing one changed layer; ECR already holds the others (BatchCheckLayerAvailability): our assumption. */
  warmPush: {
    seconds: 5,
    source:
      'our assumption; ECR skips layers it holds: https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_BatchCheckLayerAvailability.html',
  },
} satisfies Record<string, Timing>;
