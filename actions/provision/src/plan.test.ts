// Reading a saved plan's JSON: terraform's counting, and refusing what it does not understand.
import { classify, planRows, summarizePlan } from './plan.js';

test('change actions map to one word; no-op and read are not changes', () => {
  expect(classify(['create'])).toBe('add');
  expect(classify(['update'])).toBe('change');
  expect(classify(['delete'])).toBe('destroy');
  expect(classify(['delete', 'create'])).toBe('replace');
  expect(classify(['create', 'delete'])).toBe('replace');
  expect(classify(['forget'])).toBe('forget');
  expect(classify(['no-op'])).toBeUndefined();
  expect(classify(['read'])).toBeUndefined();
  expect(() => classify(['teleport'])).toThrow('change actions this action does not know: [teleport]');
});

test('a replacement counts as one add and one destroy; forgets are named only when present', () => {
  const plan = summarizePlan(
    JSON.stringify({
      resource_changes: [
        { address: 'a.one', type: 'a', mode: 'managed', change: { actions: ['create', 'delete'] } },
        { address: 'a.two', type: 'a', mode: 'managed', change: { actions: ['create'] } },
        { address: 'a.three', type: 'a', mode: 'managed', change: { actions: ['forget'] } },
        { address: 'data.a.x', type: 'a', mode: 'data', change: { actions: ['read'] } },
      ],
    }),
  );
  expect(plan.text).toBe('2 to add, 0 to change, 1 to destroy, 1 to forget');
  expect(plan.replace).toBe(1);
  expect(plan.changed).toBe(true);
  expect(planRows(plan).map((r) => r[0])).toEqual(['add', 'replace', 'forget']);
});

test('an empty plan has no changes; text that is not JSON is an error', () => {
  expect(summarizePlan('{"format_version":"1.2"}')).toMatchObject({
    changed: false,
    text: '0 to add, 0 to change, 0 to destroy',
  });
  expect(() => summarizePlan('Plan: 1 to add')).toThrow('terraform show -json did not print JSON');
});

test('a plan that only moves or imports resources is a change: the state must be written', () => {
  const plan = summarizePlan(
    JSON.stringify({
      resource_changes: [
        {
          address: 'a.renamed',
          previous_address: 'a.old',
          type: 'a',
          mode: 'managed',
          change: { actions: ['no-op'] },
        },
        { address: 'a.adopted', type: 'a', mode: 'managed', change: { actions: ['no-op'], importing: { id: 'x' } } },
        { address: 'a.same', type: 'a', mode: 'managed', change: { actions: ['no-op'] } },
      ],
    }),
  );
  expect(plan.changed).toBe(true);
  expect(plan.text).toBe('0 to add, 0 to change, 0 to destroy, 1 to import, 1 to move');
  expect(planRows(plan).map((r) => [r[0], r[1]])).toEqual([
    ['import', '`a.adopted`'],
    ['move', '`a.renamed`'],
  ]);
});
