/** The command line of `docker buildx build`, read into the options the shim acts on. */
import { ExitError, required } from './docker-shim-io.js';

export interface BuildOptions {
  context?: string;
  file?: string;
  tags: string[];
  buildArgs: Record<string, string>;
  platform?: string;
  push: boolean;
  metadataFile?: string;
  iidFile?: string;
  quiet: boolean;
  cacheFrom: string[];
  cacheTo: string[];
  noCache: boolean;
}

// Options that take a value and do not change what the sandbox builds.
const ACCEPTED_VALUE_OPTIONS = new Set(['--progress', '--provenance', '--sbom', '--builder', '--network']);
const ACCEPTED_SWITCHES = new Set(['--pull', '--load', '--rm', '--force-rm']);

export function parseBuildArgs(args: string[], env: NodeJS.ProcessEnv): BuildOptions {
  const options: BuildOptions = {
    tags: [],
    buildArgs: {},
    push: false,
    quiet: false,
    cacheFrom: [],
    cacheTo: [],
    noCache: false,
  };
  while (args.length) {
    const arg = args.shift()!;
    if (!arg.startsWith('-') || arg === '-') {
      if (options.context !== undefined)
        throw new ExitError('ERROR: "docker buildx build" requires exactly 1 argument.', 1);
      options.context = arg;
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = () => inline ?? required(args.shift(), flag);
    switch (flag) {
      case '-t':
      case '--tag':
        options.tags.push(value());
        break;
      case '-f':
      case '--file':
        options.file = value();
        break;
      case '--build-arg': {
        const kv = value();
        const i = kv.indexOf('=');
        // `--build-arg NAME` takes the value from the environment, as docker does.
        if (i < 0) {
          if (env[kv] !== undefined) options.buildArgs[kv] = env[kv];
        } else options.buildArgs[kv.slice(0, i)] = kv.slice(i + 1);
        break;
      }
      case '--platform':
        options.platform = value();
        break;
      case '--push':
        options.push = true;
        break;
      case '--output':
      case '-o': {
        const output = value();
        if (/(^|,)type=registry(,|$)/.test(output) || /(^|,)push=true(,|$)/.test(output)) options.push = true;
        break;
      }
      case '--metadata-file':
        options.metadataFile = value();
        break;
      case '--iidfile':
        options.iidFile = value();
        break;
      case '--cache-from':
        options.cacheFrom.push(value());
        break;
      case '--cache-to':
        options.cacheTo.push(value());
        break;
      case '--no-cache':
        options.noCache = true;
        break;
      case '-q':
      case '--quiet':
        options.quiet = true;
        break;
      default:
        if (ACCEPTED_VALUE_OPTIONS.has(flag)) {
          // --provenance and --sbom may be given as bare switches too.
          if (
            inline === undefined &&
            (flag === '--provenance' || flag === '--sbom') &&
            (args[0] === undefined || args[0].startsWith('-') || !/^(true|false|mode=|[a-z]+=)/.test(args[0]))
          )
            break;
          value();
          break;
        }
        if (ACCEPTED_SWITCHES.has(flag)) break;
        throw new ExitError(
          `ERROR: unknown flag: ${flag} (the sandbox's docker shim accepts the flags build-image uses; see sandbox/runtime/README.md)`,
        );
    }
  }
  return options;
}
