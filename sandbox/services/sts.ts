/**
 * STS GetCallerIdentity over the query protocol: the one STS call the suite makes (to name the
 * account in summaries and console links).
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
 */
import { AwsError } from '../contracts.js';

export interface StsService {
  /** Answers a query-protocol action with the fields of its `<Action>Result>` element. */
  handle(action: string, params: Record<string, string>, accessKeyId: string | undefined): Record<string, string>;
}

export function createStsService(account: string): StsService {
  return {
    handle(action, _params, accessKeyId) {
      if (action !== 'GetCallerIdentity') {
        throw new AwsError('InvalidAction', `Could not find operation ${action} for version 2011-06-15`);
      }
      return {
        UserId: `AIDASANDBOX${(accessKeyId ?? 'ANONYMOUS')
          .toUpperCase()
          .replace(/[^A-Z0-9]/g, '')
          .slice(0, 12)}`,
        Account: account,
        Arn: `arn:aws:iam::${account}:user/sandbox`,
      };
    },
  };
}
