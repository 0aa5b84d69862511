/**
 * The secrets a task definition's `secrets` name (Secrets Manager secrets and SSM parameters),
 * held by the sandbox (POST /_sandbox/secrets) and injected into the container's environment as
 * ECS does when the task starts. A secret ECS cannot fetch stops the task before its container
 * starts, with a ResourceInitializationError reason.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-ssm-paramstore.html
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/resource-initialization-error.html
 */

export interface SecretStore {
  /** Adds or replaces values by ARN (or, for SSM, by parameter name). */
  put(values: Record<string, string>): void;
  /** The environment a container's `secrets` give, or the reason ECS would stop the task. */
  resolve(
    secrets: { name?: string; valueFrom?: string }[] | undefined,
    where: { region: string; account: string },
  ): { ok: true; environment: Record<string, string> } | { ok: false; reason: string };
  /** Names of what it holds (never the values), for GET /_sandbox/state. */
  state(): string[];
}

// arn:aws:secretsmanager:<region>:<account>:secret:<name-with-suffix>[:<json-key>:<version-stage>:<version-id>]
const SECRETS_MANAGER = /^(arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[^:]+)(?::([^:]*):([^:]*):([^:]*))?$/;
const SSM_ARN = /^arn:aws[a-z-]*:ssm:([a-z0-9-]+):(\d{12}):parameter(\/.+)$/;

export function createSecretStore(): SecretStore {
  const values = new Map<string, string>();

  function fetch(valueFrom: string, where: { region: string; account: string }): string {
    const asm = SECRETS_MANAGER.exec(valueFrom);
    if (asm) {
      const [, arn, jsonKey, versionStage, versionId] = asm;
      const secret = values.get(arn!);
      if (secret === undefined) {
        throw new Error(
          `unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret ${arn} from secrets manager: ResourceNotFoundException: Secrets Manager can't find the specified secret.`,
        );
      }
      // The sandbox keeps one version of each secret: a named stage other than AWSCURRENT, or a
      // version id, is one it does not have.
      if ((versionStage && versionStage !== 'AWSCURRENT') || versionId) {
        throw new Error(
          `unable to retrieve secret from asm: failed to fetch secret ${arn} from secrets manager: ResourceNotFoundException: Secrets Manager can't find the specified secret value for staging label: ${versionStage || versionId}`,
        );
      }
      if (!jsonKey) return secret;
      let parsed: unknown;
      try {
        parsed = JSON.parse(secret);
      } catch {
        throw new Error(`unable to retrieve secret from asm: secret ${arn}: the secret value is not valid JSON`);
      }
      const field = (parsed as Record<string, unknown> | null)?.[jsonKey];
      if (field === undefined) {
        throw new Error(
          `unable to retrieve secret from asm: retrieved secret from Secrets Manager did not contain json key ${jsonKey}`,
        );
      }
      return typeof field === 'string' ? field : JSON.stringify(field);
    }
    // SSM: a full ARN, or a name (with or without a leading slash) in the task's own region.
    const ssm = SSM_ARN.exec(valueFrom);
    const name = ssm ? ssm[3]! : valueFrom.startsWith('/') ? valueFrom : `/${valueFrom}`;
    const arn = `arn:aws:ssm:${ssm?.[1] ?? where.region}:${ssm?.[2] ?? where.account}:parameter${name}`;
    const value = values.get(arn) ?? values.get(name) ?? values.get(name.slice(1));
    if (value === undefined) {
      throw new Error(
        `unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secrets from ssm: service call has been retried 1 time(s): invalid ssm parameters: ${valueFrom}`,
      );
    }
    return value;
  }

  return {
    put(entries) {
      for (const [key, value] of Object.entries(entries)) values.set(key, value);
    },
    resolve(secrets, where) {
      const environment: Record<string, string> = {};
      for (const secret of secrets ?? []) {
        if (!secret.name || !secret.valueFrom) continue;
        try {
          environment[secret.name] = fetch(secret.valueFrom, where);
        } catch (error) {
          return { ok: false, reason: `ResourceInitializationError: ${(error as Error).message}` };
        }
      }
      return { ok: true, environment };
    },
    state: () => [...values.keys()],
  };
}
