/**
 * Tags on applications and deployment groups: ListTagsForResource, TagResource, UntagResource.
 * https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_TagResource.html
 */
import { AwsError, type ServiceHandlers } from '../../contracts.js';
import type { CodeDeployParts, Tag } from './store.js';

export function tagHandlers({ store }: CodeDeployParts): ServiceHandlers {
  const { resourceTags } = store;
  return {
    ListTagsForResource(input) {
      const arn = input.ResourceArn as string;
      if (!resourceTags.has(arn))
        throw new AwsError('ResourceArnRequiredException', `The resource ${arn} was not found.`);
      return { Tags: resourceTags.get(arn) };
    },

    TagResource(input) {
      const arn = input.ResourceArn as string;
      const existing = resourceTags.get(arn);
      if (!existing) throw new AwsError('ResourceArnRequiredException', `The resource ${arn} was not found.`);
      for (const tag of (input.Tags as Tag[]) ?? []) {
        const found = existing.find((t) => t.Key === tag.Key);
        if (found) found.Value = tag.Value;
        else existing.push({ ...tag });
      }
      return {};
    },

    UntagResource(input) {
      const arn = input.ResourceArn as string;
      const existing = resourceTags.get(arn);
      if (!existing) throw new AwsError('ResourceArnRequiredException', `The resource ${arn} was not found.`);
      const keys = (input.TagKeys as string[]) ?? [];
      resourceTags.set(
        arn,
        existing.filter((t) => !keys.includes(t.Key)),
      );
      return {};
    },
  };
}
