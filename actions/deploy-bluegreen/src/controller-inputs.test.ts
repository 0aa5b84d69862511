import { ConfigurationError } from '../../../lib/errors.js';
import { Inputs } from '../../../lib/inputs.js';
import { parseConfig } from './config.js';
import { checkControllerInputs, serviceSettingsToChange } from './controller-inputs.js';

const parse = (inputs: Record<string, string>) =>
  parseConfig(
    new Inputs((name) => ({ service: 'web', 'container-name': 'app', image: 'repo/app:2', ...inputs })[name] ?? ''),
    '/',
  );

describe('enable-ecs-managed-tags and propagate-tags', () => {
  test('empty leaves the service as it is; given values are parsed', () => {
    expect(parse({})).toMatchObject({ enableEcsManagedTags: undefined, propagateTags: undefined });
    expect(parse({ 'enable-ecs-managed-tags': 'false', 'propagate-tags': 'TASK_DEFINITION' })).toMatchObject({
      enableEcsManagedTags: false,
      propagateTags: 'TASK_DEFINITION',
    });
  });

  test.each([
    [{ 'propagate-tags': 'service' }, 'Input \'propagate-tags\' has the value "service"'],
    [{ 'enable-ecs-managed-tags': '1' }, 'Input \'enable-ecs-managed-tags\' has the value "1"'],
  ])('%j is refused, naming the input', (inputs, message) => {
    expect(() => parse(inputs)).toThrow(ConfigurationError);
    expect(() => parse(inputs)).toThrow(message);
  });

  test('only what differs from the service is sent (AWS answers false and NONE when never set)', () => {
    const config = { desiredCount: undefined, enableEcsManagedTags: false, propagateTags: 'NONE' as const };
    expect(serviceSettingsToChange(config, {})).toEqual({});
    expect(serviceSettingsToChange({ ...config, propagateTags: 'SERVICE' }, { propagateTags: 'NONE' })).toEqual({
      propagateTags: 'SERVICE',
    });
    expect(
      serviceSettingsToChange(
        { desiredCount: 3, enableEcsManagedTags: true },
        { desiredCount: 2, enableECSManagedTags: false },
      ),
    ).toEqual({ desiredCount: 3, enableECSManagedTags: true });
  });

  test('a CODE_DEPLOY service refuses them; an ECS-controller service takes them, and wait: false', () => {
    const where = { cluster: 'main', service: 'web', wait: false, propagateTags: 'SERVICE' as const };
    expect(() => checkControllerInputs(where, { controller: 'CODE_DEPLOY' })).toThrow(
      /Input 'propagate-tags' has the value "SERVICE".*uses the CODE_DEPLOY deployment controller/,
    );
    expect(() => checkControllerInputs(where, { controller: 'ECS', strategy: 'ROLLING' })).not.toThrow();
  });
});
