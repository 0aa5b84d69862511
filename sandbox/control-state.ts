/** GET /_sandbox/state: what the sandbox holds, for people and tests to read. */
import type { FaultSet, SandboxClock } from './contracts.js';
import type { Worlds } from './world.js';

/** The home region in full (its stacks with their listeners' weights and targets), other regions in brief. */
export function sandboxState(parts: {
  account: string;
  region: string;
  clock: SandboxClock;
  faults: FaultSet;
  worlds: Worlds;
}) {
  const { account, region, clock, faults, worlds } = parts;
  const world = worlds.home();
  return {
    account,
    region,
    timeScale: clock.scale,
    faults,
    ecr: world.ecr.state(),
    ecs: world.ecs.state(),
    codedeploy: world.codedeploy.state(),
    logs: world.logs.state(),
    secrets: world.secrets.state(),
    stacks: world.stacks.map((s) => {
      const production = world.lb.listener(s.listeners.production);
      const test = world.lb.listener(s.listeners.test);
      return {
        cluster: s.request.cluster,
        service: s.request.service,
        productionUrl: s.productionUrl,
        testUrl: s.testUrl,
        production: production ? { weights: production.weights(), stats: production.stats() } : undefined,
        test: test ? { weights: test.weights(), stats: test.stats() } : undefined,
        targetGroups: [s.targetGroups.blue, s.targetGroups.green].map((g) => ({
          ...g,
          targets: world.lb
            .targetGroup(g.arn)
            ?.targetHealth()
            .map((h) => ({ id: h.target.id, port: h.target.port, state: h.state })),
        })),
      };
    }),
    // Other regions a request was signed for, each apart.
    otherRegions: Object.fromEntries(
      worlds
        .all()
        .filter((w) => w.region !== region)
        .map((w) => [w.region, { ecr: w.ecr.state(), ecs: w.ecs.state(), codedeploy: w.codedeploy.state() }]),
    ),
  };
}
