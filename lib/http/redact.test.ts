// What redaction hides from a quoted body or field, and what it keeps because it identifies a deployment.
import { redactSecrets, shownValue } from './redact.js';

describe('redactSecrets', () => {
  test.each([
    ['Authorization: Bearer abc.def-ghi_jkl', 'Authorization: Bearer [REDACTED]'],
    ['{"authorization":"Basic dXNlcjpwYXNz"}', '{"authorization":"Basic [REDACTED]"}'],
    ['{"password":"hunter2","user":"bob"}', '{"password":"[REDACTED]","user":"bob"}'],
    ['api_key=s3cr3tvalue&x=1', 'api_key="[REDACTED]"&x=1'],
    ['key AKIAIOSFODNN7EXAMPLE here', 'key [REDACTED AWS KEY] here'],
    ['secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY end', 'secret [REDACTED] end'],
    [
      'jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U x',
      'jwt [REDACTED JWT] x',
    ],
    ['hex 0123456789abcdef0123456789abcdef01 end', 'hex [REDACTED] end'],
    ['db postgres://app:hunter2@db.internal/app ok', 'db postgres://app:[REDACTED]@db.internal/app ok'],
  ])('%s', (input, expected) => {
    expect(redactSecrets(input)).toBe(expected);
  });

  test('keeps what identifies a deployment: digests, image names, hostnames, times', () => {
    const body = JSON.stringify({
      message: 'Request handled by backend at 2026-01-01T00:00:00.000Z',
      imageUri: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/my-service/backend-api@sha256:${'ab12'.repeat(16)}`,
      tagged: `registry.example.com/team/app:${'0f'.repeat(20)}`,
      fingerprintTag: `app:fp-${'3f2a'.repeat(8)}`,
      hostname: 'ip-10-0-12-34.eu-west-1.compute.internal',
    });
    expect(redactSecrets(body)).toBe(body);
  });
});

test('shownValue redacts before it cuts', () => {
  const value = `token=${'a1B2'.repeat(10)} ${'x'.repeat(300)}`;
  const shown = shownValue(value);
  expect(shown.startsWith('token="[REDACTED]" xxx')).toBe(true);
  expect(shown).toHaveLength(201);
  expect(shown.endsWith('…')).toBe(true);
  expect(shownValue('ok')).toBe('ok');
});
