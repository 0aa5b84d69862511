import { describe, expect, test } from '@jest/globals';
import { createSecretStore } from './secrets.js';

const where = { region: 'eu-west-1', account: '123456789012' };
const db = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf';

describe('secret store', () => {
  const store = createSecretStore();
  store.put({ [db]: '{"username":"app","port":5432}', 'arn:aws:ssm:eu-west-1:123456789012:parameter/app/key': 'k' });

  test('a whole secret, a JSON key of it, and an SSM parameter by ARN or by name', () => {
    expect(
      store.resolve(
        [
          { name: 'DB', valueFrom: db },
          { name: 'USER', valueFrom: `${db}:username::` },
          { name: 'PORT', valueFrom: `${db}:port::` },
          { name: 'KEY', valueFrom: 'arn:aws:ssm:eu-west-1:123456789012:parameter/app/key' },
          { name: 'KEY2', valueFrom: '/app/key' },
        ],
        where,
      ),
    ).toEqual({
      ok: true,
      environment: { DB: '{"username":"app","port":5432}', USER: 'app', PORT: '5432', KEY: 'k', KEY2: 'k' },
    });
  });

  test('a missing secret, JSON key or parameter is a ResourceInitializationError', () => {
    const reason = (valueFrom: string) => {
      const result = store.resolve([{ name: 'X', valueFrom }], where);
      return result.ok ? '' : result.reason;
    };
    expect(reason(`${db.replace('db-', 'other-')}`)).toMatch(
      /^ResourceInitializationError: .*ResourceNotFoundException/,
    );
    expect(reason(`${db}:password::`)).toMatch(/did not contain json key password/);
    expect(reason('/app/missing')).toMatch(/^ResourceInitializationError: .*invalid ssm parameters: \/app\/missing/);
    expect(reason(`${db}::AWSPREVIOUS:`)).toMatch(/staging label: AWSPREVIOUS/);
  });

  test('its state lists names, never values', () => {
    expect(JSON.stringify(store.state())).not.toContain('5432');
  });
});
