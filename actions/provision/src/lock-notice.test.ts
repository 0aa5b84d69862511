// The text that tells a user which state lock a killed terraform may have left and how to
// release it: pure, from the configuration and terraform's output.
import { lockIdFrom, unreleasedLockNotice } from './lock-notice.js';

const s3 = new Map([
  ['bucket', 'acme-tf-state'],
  ['key', 'production/service.tfstate'],
  ['region', 'eu-west-1'],
]);

test('S3 backend: names the .tflock object and the state key, and prints init and force-unlock for that stack', () => {
  const notice = unreleasedLockNotice({
    command: 'apply',
    workingDirectory: 'terraform/stacks/service',
    backendConfig: s3,
    output: 'terraform_data.x: Creating...',
  });
  expect(notice.log).toContain('terraform apply in service had not stopped');
  expect(notice.log).toContain(
    's3://acme-tf-state/production/service.tfstate.tflock (state key production/service.tfstate)',
  );
  const init =
    'terraform -chdir=terraform/stacks/service init -input=false -backend-config=bucket=acme-tf-state ' +
    '-backend-config=key=production/service.tfstate -backend-config=region=eu-west-1';
  const unlock = 'terraform -chdir=terraform/stacks/service force-unlock <LOCK_ID>';
  expect(notice.log).toContain(`\n  ${init}\n  ${unlock}\n`);
  expect(notice.log).toContain('aws s3 cp s3://acme-tf-state/production/service.tfstate.tflock -');
  expect(notice.markdown).toContain(`\`\`\`sh\n${init}\n${unlock}\n\`\`\``);
  expect(notice.markdown.startsWith('> [!WARNING]')).toBe(true);
});

test('a lock ID terraform printed goes into the command', () => {
  const output =
    'Lock Info:\n  ID:        9db590f1-b6fe-c5f2-2678-8804f089deba\n  Path:      acme-tf-state/production/service.tfstate\n';
  expect(lockIdFrom(output)).toBe('9db590f1-b6fe-c5f2-2678-8804f089deba');
  const notice = unreleasedLockNotice({
    command: 'plan',
    workingDirectory: 'stacks/service',
    backendConfig: s3,
    output,
  });
  expect(notice.log).toContain('terraform -chdir=stacks/service force-unlock 9db590f1-b6fe-c5f2-2678-8804f089deba');
  expect(notice.log).toContain('Terraform printed the lock ID 9db590f1-b6fe-c5f2-2678-8804f089deba.');
  expect(notice.log).not.toContain('<LOCK_ID>');
});

test('values a shell would split or expand are quoted', () => {
  const notice = unreleasedLockNotice({
    command: 'apply',
    workingDirectory: 'my stacks/service',
    backendConfig: new Map([['key', "it's $HOME"]]),
    output: '',
  });
  expect(notice.log).toContain(
    `terraform -chdir='my stacks/service' init -input=false -backend-config='key=it'\\''s $HOME'`,
  );
  // No bucket: the backend's own lock, found through the next run's error.
  expect(notice.log).toContain('the state lock of the backend configured in my stacks/service');
  expect(notice.log).toContain('"Lock Info" of the next run');
});
