import { explainStoppedTasks } from './diagnostics.js';
import { FakeAws, tdArn } from './fakes.test-helpers.js';

/** ListTasks in pages of `pageSize`; DescribeTasks answers each task as stopped, with its revision. */
function ecsWithStoppedTasks(tasks: { id: string; revision: number; reason: string }[], pageSize = 2) {
  const arn = (id: string) => `arn:aws:ecs:eu-west-1:123456789012:task/main/${id}`;
  return new FakeAws({
    ListTasks: (input) => {
      const start = Number(input.nextToken ?? 0);
      const page = tasks.slice(start, start + pageSize).map((t) => arn(t.id));
      const next = start + pageSize < tasks.length ? String(start + pageSize) : undefined;
      return { taskArns: page, nextToken: next };
    },
    DescribeTasks: (input) => ({
      tasks: (input.tasks as string[]).map((taskArn) => {
        const task = tasks.find((t) => arn(t.id) === taskArn)!;
        return {
          taskArn,
          taskDefinitionArn: tdArn('app', task.revision),
          stoppedReason: task.reason,
          stoppedAt: new Date(Date.UTC(2026, 10, 21, 23, 0, 0)),
          lastStatus: 'STOPPED',
        };
      }),
    }),
    DescribeServices: () => ({ services: [{ events: [] }] }),
  });
}

describe('explainStoppedTasks', () => {
  test("shows only the new revision's stopped tasks, found on a later ListTasks page", async () => {
    const ecs = ecsWithStoppedTasks([
      { id: 'blue1', revision: 1, reason: 'Scaling activity initiated by deployment' },
      { id: 'blue2', revision: 1, reason: 'Scaling activity initiated by deployment' },
      { id: 'blue3', revision: 1, reason: 'Scaling activity initiated by deployment' },
      { id: 'blue4', revision: 1, reason: 'Scaling activity initiated by deployment' },
      { id: 'green1', revision: 2, reason: 'Essential container in task exited' },
    ]);
    const lines = await explainStoppedTasks({ ecs: ecs.client as never }, 'main', 'web', tdArn('app', 2));
    expect(lines).toEqual(['Stopped tasks:', '  - task green1 (app:2): Essential container in task exited']);
    expect(ecs.inputsOf('ListTasks').map((i) => i.nextToken)).toEqual([undefined, '2', '4']);
  });

  test("says so when none of the new revision's tasks stopped, instead of showing drained blue tasks", async () => {
    const ecs = ecsWithStoppedTasks([
      { id: 'blue1', revision: 1, reason: 'Scaling activity initiated by deployment' },
      { id: 'blue2', revision: 1, reason: 'Scaling activity initiated by deployment' },
    ]);
    const lines = await explainStoppedTasks({ ecs: ecs.client as never }, 'main', 'web', tdArn('app', 2));
    expect(lines).toEqual(['No task of app:2 has stopped (the 2 stopped task(s) of other revisions are not shown).']);
  });

  test('reads at most 3 pages of ListTasks', async () => {
    const many = Array.from({ length: 10 }, (_, i) => ({ id: `t${i}`, revision: 1, reason: 'drained' }));
    const ecs = ecsWithStoppedTasks(many);
    await explainStoppedTasks({ ecs: ecs.client as never }, 'main', 'web', tdArn('app', 2));
    expect(ecs.inputsOf('ListTasks')).toHaveLength(3);
  });
});
