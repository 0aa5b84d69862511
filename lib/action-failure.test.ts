// The frame's failure block: whatever failed, the summary's first line says what and what to do.
import { AwsCallError } from './aws.js';
import { writeFailureBlock } from './action.js';
import { ActionFailure, CancelledError, ConfigurationError, TimeoutError } from './errors.js';
import { Summary } from './summary.js';

const block = (error: unknown, summary = new Summary('my-action')) => {
  writeFailureBlock(summary, error);
  return summary.toMarkdown();
};

describe('the failure block', () => {
  test('a bad input names the input and the fix; the message is folded', () => {
    const md = block(new ConfigurationError('timeout-minutes', '-5', 'a number from 0.05 to 360'));
    expect(md).toMatch(
      /^### my-action\n\n❌ input `timeout-minutes` is not accepted — fix it in the workflow and re-run\n/,
    );
    expect(md).toContain('<details><summary>What failed</summary>');
    expect(md).toContain('Input \'timeout-minutes\' has the value "-5"');
  });

  test('a missing input is said to be required', () => {
    expect(block(new ConfigurationError('service', '', 'the ECS service name')).split('\n')[2]).toBe(
      '❌ input `service` is required — set it in the workflow and re-run',
    );
  });

  test("a tool's own error line comes up into the verdict", () => {
    const md = block(
      new ActionFailure('terraform plan failed (exit 1):\n\nError: Invalid value for variable\n  on x.tf'),
    );
    expect(md.split('\n')[2]).toBe('❌ terraform plan failed (exit 1): Invalid value for variable — details below');
  });

  test('cancel, timeout, AWS and unexpected errors each have their own line', () => {
    expect(block(new CancelledError('received SIGTERM')).split('\n')[2]).toMatch(/^⏹️ cancelled \(received SIGTERM\)/);
    expect(block(new TimeoutError('timeout-minutes (6s) reached')).split('\n')[2]).toBe(
      '⏱️ timed out: timeout-minutes (6s) reached',
    );
    expect(block(new AwsCallError('AccessDeniedException', 'x', undefined)).split('\n')[2]).toBe(
      '❌ an AWS call failed (AccessDeniedException) — see below',
    );
    expect(block(new TypeError('x is undefined')).split('\n')[2]).toMatch(/^❌ unexpected error, probably a bug/);
  });

  test('a success verdict given before the failure is replaced; the rest of the section stays', () => {
    const summary = new Summary('provision').verdict('success', 'plan: 1 to add').text('| a |');
    const md = block(new ActionFailure('terraform apply failed (exit 1):\nError: boom'), summary);
    expect(md).toMatch(/^### provision\n\n❌ terraform apply failed \(exit 1\): boom — details below\n\n\| a \|/);
  });
});
