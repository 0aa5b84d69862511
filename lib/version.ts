/** The suite's name and version, sent in the AWS user agent (kept equal to package.json by a test). */
export const SUITE_NAME = 'fargate-bluegreen-suite';
export const SUITE_VERSION = '1.0.0';
