export const id = 431;
export const ids = [431];
export const modules = {

/***/ 4431:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  buildWithAws: () => (/* binding */ buildWithAws)
});

// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-ecr/dist-cjs/index.js
var dist_cjs = __webpack_require__(8249);
// EXTERNAL MODULE: ./lib/aws.ts + 1 modules
var aws = __webpack_require__(8351);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
;// CONCATENATED MODULE: ./actions/build-image/src/ecr.ts
/**
 * The ECR calls build-image makes, behind a narrow interface so the logic can be tested with a
 * fake. Every call goes through awsCall, so failures name the operation and the repository.
 */


const MANIFEST_MEDIA_TYPES = [
    'application/vnd.docker.distribution.manifest.v2+json',
    'application/vnd.docker.distribution.manifest.list.v2+json',
    'application/vnd.oci.image.manifest.v1+json',
    'application/vnd.oci.image.index.v1+json',
];
function isRepositoryNotFound(error) {
    return error instanceof aws/* AwsCallError */.iQ && error.code === 'RepositoryNotFoundException';
}
function found(detail) {
    if (!detail.imageDigest)
        return undefined;
    return {
        digest: detail.imageDigest,
        registryId: detail.registryId,
        tags: detail.imageTags ?? [],
        pushedAt: detail.imagePushedAt,
    };
}
function createEcr(client) {
    return {
        async findImageByTag(repository, tag) {
            try {
                const out = await (0,aws/* awsCall */.uF)(`repository ${repository}`, () => client.send(new dist_cjs/* DescribeImagesCommand */.ji5({ repositoryName: repository, imageIds: [{ imageTag: tag }] })));
                const detail = out.imageDetails?.[0];
                return detail ? found(detail) : undefined;
            }
            catch (error) {
                // DescribeImages answers ImageNotFoundException for an imageId that is not there.
                // https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_DescribeImages.html
                if (error instanceof aws/* AwsCallError */.iQ && error.code === 'ImageNotFoundException')
                    return undefined;
                throw error;
            }
        },
        async describeRepository(repository) {
            const out = await (0,aws/* awsCall */.uF)(`repository ${repository}`, () => client.send(new dist_cjs/* DescribeRepositoriesCommand */.pE_({ repositoryNames: [repository] })));
            const repo = out.repositories?.[0];
            if (!repo?.repositoryUri)
                throw new Error(`DescribeRepositories returned no URI for ${repository}`);
            return { uri: repo.repositoryUri };
        },
        async newestTagged(repository, prefix, maxImages = 1000) {
            let best;
            let nextToken;
            let seen = 0;
            do {
                const out = await (0,aws/* awsCall */.uF)(`repository ${repository}`, () => client.send(new dist_cjs/* DescribeImagesCommand */.ji5({
                    repositoryName: repository,
                    filter: { tagStatus: 'TAGGED' },
                    maxResults: 1000,
                    nextToken,
                })));
                for (const detail of out.imageDetails ?? []) {
                    const tag = detail.imageTags?.find((t) => t.startsWith(prefix));
                    const image = found(detail);
                    if (!tag || !image)
                        continue;
                    if (!best || (image.pushedAt?.getTime() ?? 0) > (best.pushedAt?.getTime() ?? 0))
                        best = { ...image, tag };
                }
                seen += out.imageDetails?.length ?? 0;
                nextToken = out.nextToken;
            } while (nextToken && seen < maxImages);
            return best;
        },
        async addTag(repository, digest, tag) {
            const got = await (0,aws/* awsCall */.uF)(`repository ${repository}`, () => client.send(new dist_cjs/* BatchGetImageCommand */.P8n({
                repositoryName: repository,
                imageIds: [{ imageDigest: digest }],
                // Ask for the manifest as it was pushed (an index stays an index), so PutImage copies it exactly.
                // https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_BatchGetImage.html
                acceptedMediaTypes: MANIFEST_MEDIA_TYPES,
            })));
            const image = got.images?.[0];
            if (!image?.imageManifest)
                throw new Error(`BatchGetImage returned no manifest for ${repository}@${digest}`);
            try {
                await (0,aws/* awsCall */.uF)(`repository ${repository}`, () => client.send(new dist_cjs/* PutImageCommand */.SUU({
                    repositoryName: repository,
                    imageManifest: image.imageManifest,
                    imageManifestMediaType: image.imageManifestMediaType,
                    imageDigest: digest,
                    imageTag: tag,
                })));
                return 'added';
            }
            catch (error) {
                // PutImage: ImageAlreadyExistsException when the tag already names this very image;
                // ImageTagAlreadyExistsException when an immutable repository has the tag on another image.
                // https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_PutImage.html
                if (error instanceof aws/* AwsCallError */.iQ && error.code === 'ImageAlreadyExistsException')
                    return 'kept';
                if (error instanceof aws/* AwsCallError */.iQ && error.code === 'ImageTagAlreadyExistsException')
                    return 'immutable';
                throw error;
            }
        },
        async login() {
            const out = await (0,aws/* awsCall */.uF)('the registry', () => client.send(new dist_cjs/* GetAuthorizationTokenCommand */.Eu6({})));
            const data = out.authorizationData?.[0];
            if (!data?.authorizationToken || !data.proxyEndpoint) {
                throw new Error('GetAuthorizationToken returned no token');
            }
            // The token is base64 of `AWS:<password>`.
            // https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_AuthorizationData.html
            const decoded = Buffer.from(data.authorizationToken, 'base64').toString('utf8');
            const colon = decoded.indexOf(':');
            if (colon < 0)
                throw new Error('GetAuthorizationToken returned a token that is not user:password');
            return {
                registry: data.proxyEndpoint.replace(/^https?:\/\//, '').replace(/\/+$/, ''),
                username: decoded.slice(0, colon),
                password: decoded.slice(colon + 1),
            };
        },
    };
}

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: ./node_modules/@balena/dockerignore/ignore.js
var ignore = __webpack_require__(4158);
var ignore_default = /*#__PURE__*/__webpack_require__.n(ignore);
;// CONCATENATED MODULE: ./lib/docker-context-rules.ts
/**
 * `.dockerignore` patterns as rules: what Docker does to each line (trim, `!` exceptions, path
 * cleaning, a leading '/' dropped) and the regexp of each pattern, following Moby's
 * builder/dockerignore and pkg/fileutils, as @balena/dockerignore (a port of them) does too.
 * https://docs.docker.com/build/concepts/context/#syntax
 *
 * Our own because the package's public API only answers "is this path excluded", computing the
 * half of the answer that depends on the parent folder again for every file; for contexts of
 * 100k files contextFilter needs each rule's regexp to compute that half once per folder. The
 * package stays the reference: docker-context-rules.test.ts compares the two on generated
 * patterns and paths. POSIX separators only (contextFilter uses the package elsewhere).
 */

/** Docker's cleaning of a pattern: Go's filepath.Clean, without a trailing '/'. */
function clean(pattern) {
    return external_node_path_.posix.normalize(pattern).replace(/(?<=.)\/$/, '');
}
/** The rules of `.dockerignore` lines, in order; comments, blank lines and a lone `!` make none. */
function parseDockerignore(lines) {
    const rules = [];
    for (const line of lines) {
        if (!line || line.startsWith('#') || line.trim() === '')
            continue;
        const rule = parseLine(line.trim());
        if (rule)
            rules.push(rule);
    }
    return rules;
}
function parseLine(line) {
    // builder/dockerignore: an exception's `!` is taken off, the rest cleaned and made relative...
    let pattern = line;
    const exception = pattern.startsWith('!');
    if (exception)
        pattern = pattern.slice(1).trim();
    if (pattern.length > 0) {
        pattern = clean(pattern);
        if (pattern.length > 1 && pattern.startsWith('/'))
            pattern = pattern.slice(1);
    }
    // ...then pkg/fileutils reads the `!` again from the cleaned text (so `!!a` excludes `!a`).
    pattern = clean((exception ? `!${pattern}` : pattern).trim());
    if (pattern === '' || pattern === '!')
        return undefined;
    const negative = pattern.startsWith('!');
    if (negative)
        pattern = pattern.slice(1);
    return { pattern, dirs: pattern.split('/'), negative, regexp: compile(pattern) };
}
/**
 * The regexp of one pattern: `*` and `?` never cross '/', `**` spans any number of folders (at
 * the end, anything), `\` escapes the next character. Case-insensitive, as the package matches by
 * default. Docker's own matcher is case-sensitive (moby/patternmatcher compiles its regexps
 * without case folding, https://github.com/moby/patternmatcher/blob/main/patternmatcher.go), so
 * `*.MD` excludes README.md here and not in a build: kept equal to the package for now, because
 * changing it changes fingerprints.
 */
function compile(pattern) {
    let source = '^';
    for (let i = 0; i < pattern.length; i++) {
        const ch = pattern[i];
        if (ch === '*') {
            if (pattern[i + 1] === '*') {
                i++;
                if (pattern[i + 1] === '/')
                    i++;
                source += pattern[i + 1] === undefined ? '.*' : '(.*/)?';
            }
            else {
                source += '[^/]*';
            }
        }
        else if (ch === '?') {
            source += '[^/]';
        }
        else if (ch === '.' || ch === '$') {
            source += `\\${ch}`;
        }
        else if (ch === '\\') {
            if (pattern[i + 1] !== undefined)
                source += `\\${pattern[++i]}`;
            else
                source += '\\';
        }
        else {
            source += ch;
        }
    }
    return new RegExp(`${source}$`, 'i');
}

;// CONCATENATED MODULE: ./lib/docker-context.ts
/**
 * The build context as Docker sends it: every file under the context folder that `.dockerignore`
 * does not exclude, with Docker's own matching rules (including `!` exceptions): our rules
 * (docker-context-rules.ts), held equal to @balena/dockerignore, a port of Docker's Go code.
 * https://docs.docker.com/build/concepts/context/#dockerignore-files
 *
 * Shared by build-image (the fingerprint) and the sandbox's docker shim (the image's files), so
 * both agree on what an image is made of.
 */




// The package is CommonJS with an ES-style default: Node's ESM loader hands us module.exports,
// whose `default` is the factory (bundlers may hand us the factory itself).
const docker_context_ignore = ((ignore_default())["default"] ??
    (ignore_default()));
/** The patterns of `<context>/.dockerignore` (none when the file is absent). */
function readDockerignore(contextDir) {
    let text;
    try {
        text = (0,external_node_fs_.readFileSync)(external_node_path_.join(contextDir, '.dockerignore'), 'utf8');
    }
    catch (error) {
        if (error.code === 'ENOENT')
            return [];
        throw error;
    }
    return text.split(/\r?\n/);
}
/**
 * The patterns that apply to a build: `<Dockerfile>.dockerignore` next to the Dockerfile when it
 * exists (BuildKit prefers it), else `<context>/.dockerignore`.
 * https://docs.docker.com/build/concepts/context/#filename-and-location
 */
function dockerignoreFor(contextDir, dockerfile) {
    if (dockerfile) {
        const specific = `${dockerfile}.dockerignore`;
        try {
            return { patterns: (0,external_node_fs_.readFileSync)(specific, 'utf8').split(/\r?\n/), file: specific };
        }
        catch (error) {
            if (error.code !== 'ENOENT')
                throw error;
        }
    }
    const patterns = readDockerignore(contextDir);
    return { patterns, file: patterns.length ? external_node_path_.join(contextDir, '.dockerignore') : undefined };
}
/**
 * True for paths Docker sends in the context. For large contexts (100k files) the matcher's
 * per-path cost matters, so Docker's algorithm is run with the half that depends only on the
 * parent folder (does a rule match the folder or one of its ancestors) computed once per folder,
 * from our own rules (docker-context-rules.ts says why). Paths must be clean ('a/b', no './').
 */
function contextFilter(patterns) {
    if (external_node_path_.sep !== '/') {
        // Backslash separators: the package's own matcher, one path at a time.
        const matcher = docker_context_ignore().add(patterns);
        return (relativePath) => !matcher.ignores(relativePath);
    }
    const rules = parseDockerignore(patterns);
    if (rules.length === 0)
        return () => true;
    const regexps = rules.map((rule) => rule.regexp);
    // A rule made only of literal characters, '/', '*' and '?' (no '**', classes or escapes) becomes
    // a regexp in which nothing matches '/' but the pattern's own slashes: it can only match a path
    // with as many segments as the pattern. Knowing that skips most regexp tests in big contexts.
    const segments = rules.map((rule, i) => /^[A-Za-z0-9_.\-/*?@~,=:% ]*$/.test(rule.pattern) && !regexps[i].source.includes('.*') ? rule.dirs.length : -1);
    const parentMatches = new Map();
    // Moby's fileutils.Matches (as @balena/dockerignore's matcher runs it), the parent half per folder.
    const forParent = (parentPath) => {
        let cached = parentMatches.get(parentPath);
        if (cached)
            return cached;
        const parentDirs = parentPath.split('/');
        const matches = rules.map((rule, i) => {
            if (parentPath === '.')
                return false;
            const regexp = regexps[i];
            if (rule.dirs.includes('**')) {
                for (let n = rule.dirs.filter((x) => x !== '**').length; n <= parentDirs.length; n++) {
                    if (regexp.test(parentDirs.slice(0, n).join('/')))
                        return true;
                }
                return false;
            }
            return rule.dirs.length <= parentDirs.length && regexp.test(parentDirs.slice(0, rule.dirs.length).join('/'));
        });
        cached = { matches, depth: parentPath === '.' ? 0 : parentDirs.length };
        parentMatches.set(parentPath, cached);
        return cached;
    };
    // Files come grouped by folder (walks and git's index both list a folder's files together).
    let lastParent = '';
    let last = forParent('.');
    return (relativePath) => {
        if (!relativePath)
            return false;
        const slash = relativePath.lastIndexOf('/');
        if (slash < 0) {
            if (lastParent !== '.')
                last = forParent((lastParent = '.'));
        }
        else if (slash !== lastParent.length || !relativePath.startsWith(lastParent)) {
            lastParent = relativePath.slice(0, slash);
            last = forParent(lastParent);
        }
        const depth = last.depth + 1;
        let excluded = false;
        for (let i = 0; i < rules.length; i++) {
            const fixed = segments[i];
            if (last.matches[i] || ((fixed < 0 || fixed === depth) && regexps[i].test(relativePath))) {
                excluded = !rules[i].negative;
            }
        }
        return !excluded;
    };
}
/**
 * Walks the context and lists what Docker would send, sorted by path. A folder that is excluded
 * is not entered unless some `!` pattern could bring part of it back. `under` (a path relative to
 * the context, '/' separators) limits the walk to one folder, still matched from the context root.
 */
function listContext(contextDir, patterns = readDockerignore(contextDir), under = '') {
    const included = contextFilter(patterns);
    const hasExceptions = patterns.some((p) => p.trim().startsWith('!'));
    const entries = [];
    const walk = (relativeDir) => {
        const absoluteDir = external_node_path_.join(contextDir, relativeDir);
        for (const name of (0,external_node_fs_.readdirSync)(absoluteDir)) {
            const relativePath = relativeDir ? `${relativeDir}/${name}` : name;
            const stat = (0,external_node_fs_.lstatSync)(external_node_path_.join(absoluteDir, name));
            if (stat.isDirectory()) {
                if (included(relativePath) || hasExceptions)
                    walk(relativePath);
            }
            else if ((stat.isFile() || stat.isSymbolicLink()) && included(relativePath)) {
                entries.push({
                    path: relativePath,
                    kind: stat.isSymbolicLink() ? 'symlink' : 'file',
                    // The owner bit, as git records it (100755 or 100644).
                    executable: stat.isFile() && (stat.mode & 0o100) !== 0,
                });
            }
        }
    };
    const start = under.replace(/\/+$/, '');
    if (start === '' || included(start) || hasExceptions)
        walk(start);
    return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

// EXTERNAL MODULE: external "node:buffer"
var external_node_buffer_ = __webpack_require__(4573);
// EXTERNAL MODULE: external "node:child_process"
var external_node_child_process_ = __webpack_require__(1421);
;// CONCATENATED MODULE: ./actions/build-image/src/git-tree.ts
/**
 * What git knows about a folder, from two listings run side by side, each started with an
 * argument array (no shell) and NUL-separated, so no file name is ever interpreted:
 *
 *   git ls-files -z -v -t -s -c -o --directory
 *                                       every index entry (`H <mode> <blob> <stage>\t<path>`) and
 *                                       `? <path>` for each untracked file, git-ignored ones
 *                                       included (Docker sends those); a folder holding no tracked
 *                                       file is named once (`? dir/`), not entered, so a
 *                                       node_modules that .dockerignore excludes costs nothing
 *   git diff-files --name-only -z       tracked files whose working copy differs or is gone: one
 *                                       lstat per file against the index's stat cache, spread over
 *                                       threads (core.preloadIndex); content only where stat changed
 *
 * Lowercase tags (assume-unchanged), S (skip-worktree) and stages other than 0 (unmerged) are
 * entries git cannot vouch for either. Paths are relative to the folder (git runs in it).
 */




const TAB = 0x09;
const TAG_CLEAN = 0x48; // 'H': a cached entry
const TAG_OTHER = 0x3f; // '?': an untracked (or ignored) file
const STAGE_MERGED = 0x30; // '0'
const MODE_GITLINK_SECOND = 0x36; // '6': mode 160000 is the only one with 6 second
/** In `<tag> <mode> <blob> <stage>\t<path>` with a sha1 blob: where the stage, tab and path are. */
const STAGE_AT = 50;
const git_tree_PATH_AT = 52;
const GITATTRIBUTES = '.gitattributes';
/**
 * A `-z` listing from git, kept as the one Buffer git wrote: 100k records cost no string until a
 * caller asks for a path. When every byte is ASCII (the usual case) it is also read through a
 * latin1 string, whose character offsets are byte offsets, because string scans are cheaper
 * than Buffer calls per record.
 */
class Listing {
    bytes;
    text;
    constructor(bytes) {
        this.bytes = bytes;
        this.text = (0,external_node_buffer_.isAscii)(bytes) ? bytes.toString('latin1') : undefined;
    }
    /** Calls `each(start, end)` for each NUL-ended record; `end` is the NUL's offset. */
    forEach(each) {
        const { text, bytes } = this;
        const length = bytes.length;
        let start = 0;
        while (start < length) {
            let end = text !== undefined ? text.indexOf('\0', start) : bytes.indexOf(0, start);
            if (end < 0)
                end = length;
            each(start, end);
            start = end + 1;
        }
    }
    at(offset) {
        return this.text !== undefined ? this.text.charCodeAt(offset) : this.bytes[offset];
    }
    /** Text from `start` to `end` (UTF-8). */
    slice(start, end) {
        return this.text !== undefined ? this.text.slice(start, end) : this.bytes.toString('utf8', start, end);
    }
    /** True for an index record (`H 100644 <blob> 0\t<path>`, any tag) as opposed to `? <path>`. */
    isIndexRecord(start, end) {
        return end - start > git_tree_PATH_AT && this.at(start + STAGE_AT + 1) === TAB;
    }
    /** A clean, merged entry: git vouches for its blob id. */
    isCleanRecord(start) {
        return this.at(start) === TAG_CLEAN && this.at(start + STAGE_AT) === STAGE_MERGED;
    }
    isGitlink(start) {
        return this.at(start + 3) === MODE_GITLINK_SECOND;
    }
    recordPath(start, end) {
        return this.slice(start + git_tree_PATH_AT, end);
    }
}
/**
 * Read-only settings for every call: report mode and symlink changes even where the checkout
 * turned them off, so a file whose working copy differs from the index in any way Docker sees
 * is read rather than trusted.
 */
const GIT_CONFIG = ['-c', 'core.fileMode=true', '-c', 'core.symlinks=true', '-c', 'core.quotePath=false'];
/** Attributes that make git's stored blob differ from the bytes in the working tree. */
const CONVERTING_ATTRIBUTES = /(^|\s)(filter|working-tree-encoding|ident|eol=crlf)(\s|=|$)/m;
function git(gitBinary, cwd, args) {
    return new Promise((resolve, reject) => {
        (0,external_node_child_process_.execFile)(gitBinary, [...GIT_CONFIG, ...args], {
            cwd,
            encoding: 'buffer',
            maxBuffer: 1 << 30,
            env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' },
            windowsHide: true,
        }, (error, stdout, stderr) => {
            if (error) {
                const detail = (stderr?.toString() ?? '').trim().split('\n')[0] || error.message;
                reject(Object.assign(new Error(detail), { code: error.code }));
            }
            else {
                resolve(stdout);
            }
        });
    });
}
function splitNul(buffer) {
    const parts = buffer.toString('utf8').split('\0');
    if (parts[parts.length - 1] === '')
        parts.pop();
    return parts;
}
/**
 * The git view of `folder`, or `{ reason }` when git cannot be used (not a repository, git not
 * installed, a conversion that makes blob ids differ from the working tree bytes).
 */
async function readGitTree(folder, gitBinary = 'git') {
    const run = (args) => git(gitBinary, folder, args);
    let results;
    try {
        results = await Promise.all([
            run(['rev-parse', '--show-toplevel', '--absolute-git-dir', '--show-object-format', '--show-prefix']),
            run(['config', '--get-regexp', '^core\\.(autocrlf|eol)$']).catch(() => Buffer.from('')),
            run(['ls-files', '-z', '-v', '-t', '-s', '-c', '-o', '--directory']),
            run(['diff-files', '--name-only', '--relative', '-z']),
        ]);
    }
    catch (error) {
        const code = error.code;
        return {
            reason: code === 'ENOENT' ? 'git is not installed' : `git cannot read ${folder}: ${error.message}`,
        };
    }
    const [revParse, lineEndings, listing, modified] = results;
    const [top = '', gitDir = '', objectFormat = '', prefix = ''] = revParse.toString('utf8').split('\n');
    if (objectFormat !== 'sha1')
        return { reason: `the repository uses ${objectFormat} object ids` };
    // Either setting can make the checked-out bytes differ from the blobs git reports as clean.
    const lineEndingSettings = lineEndings.toString('utf8');
    if (/^core\.autocrlf (true|input)$/im.test(lineEndingSettings)) {
        return { reason: 'core.autocrlf converts line endings, so blob ids differ from the files' };
    }
    if (/^core\.eol crlf$/im.test(lineEndingSettings)) {
        return { reason: 'core.eol=crlf converts line endings, so blob ids differ from the files' };
    }
    const untrusted = new Set();
    const gitlinks = [];
    const other = [];
    const attributeFiles = [external_node_path_.join(gitDir, 'info', 'attributes')];
    // Ancestors between the repository top and the folder hold attributes that apply here too.
    const ancestors = prefix.split('/').filter(Boolean);
    for (let i = 0; i <= ancestors.length; i++) {
        attributeFiles.push(external_node_path_.join(top, ...ancestors.slice(0, i), '.gitattributes'));
    }
    // Only the exceptions become strings here; clean records stay bytes for the fingerprint.
    const list = new Listing(listing);
    let folderUntracked = false;
    list.forEach((start, end) => {
        if (list.at(start) === TAG_OTHER) {
            const entry = list.slice(start + 2, end);
            // `./`: the whole folder is untracked or ignored; git vouches for nothing in it.
            if (entry === './')
                folderUntracked = true;
            else
                other.push(entry);
            return;
        }
        if (!list.isIndexRecord(start, end))
            return;
        if (!list.isCleanRecord(start))
            untrusted.add(list.recordPath(start, end));
        else if (list.isGitlink(start))
            gitlinks.push(list.recordPath(start, end));
        // Cheap test on the last byte first: most paths do not end in 's'.
        if (list.at(end - 1) === 0x73 && list.slice(end - GITATTRIBUTES.length, end) === GITATTRIBUTES) {
            const entryPath = list.recordPath(start, end);
            if (entryPath === GITATTRIBUTES || entryPath.endsWith(`/${GITATTRIBUTES}`)) {
                attributeFiles.push(external_node_path_.join(folder, entryPath));
            }
        }
    });
    if (folderUntracked)
        return { reason: `${folder} is not tracked by git (untracked or ignored)` };
    for (const p of splitNul(modified))
        untrusted.add(p);
    for (const file of attributeFiles) {
        let text = '';
        try {
            text = (0,external_node_fs_.readFileSync)(file, 'utf8');
        }
        catch {
            continue;
        }
        if (CONVERTING_ATTRIBUTES.test(text)) {
            return { reason: `${file} declares filters or conversions, so blob ids differ from the files` };
        }
    }
    return { listing: list, untrusted, gitlinks, other, atTop: prefix === '' };
}

;// CONCATENATED MODULE: ./actions/build-image/src/fingerprint.ts
/**
 * The fingerprint of a build: sha256 over everything that shapes the image (the Dockerfile, the
 * build args, the platform and every file Docker sends in the context), computed without reading
 * the files git already vouches for.
 *
 * Each context file contributes `H <mode> <git blob id> 0\t<path>\0`: the very bytes
 * `git ls-files -z -v -t -s` prints for a clean entry, where the blob id is git's sha1 of
 * `blob <length>\0<content>` (for a symlink, of its target); records are sorted by path. For a
 * tracked, unmodified file those bytes are hashed straight from git's output (no string, no
 * copy); for anything else they are built here from the file. Both give the same bytes, so the
 * fast path and a full read agree on the same tree.
 */





/** Bumped whenever the hashed bytes change meaning, so old tags are never mistaken for new. */
const FINGERPRINT_VERSION = 'build-image-fingerprint/v1';
function fileRecord(filePath, mode, blob) {
    return `H ${mode} ${blob} 0\t${filePath}`;
}
function parseFileRecord(record) {
    return { path: record.slice(PATH_AT), mode: record.slice(2, 8), blob: record.slice(9, 49) };
}
class DockerfileMissingError extends Error {
    name = 'DockerfileMissingError';
}
const FINGERPRINT_TAG_PREFIX = 'fp-';
function tagOf(fingerprint) {
    return `${FINGERPRINT_TAG_PREFIX}${fingerprint.slice(0, 32)}`;
}
/** git's blob id of some bytes: sha1 of `blob <length>\0<content>`. */
function gitBlobId(content) {
    return (0,external_node_crypto_.createHash)('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}
/** Platforms as one canonical string: trimmed, de-duplicated, sorted (their order does not shape the image). */
function canonicalPlatform(platform) {
    return [
        ...new Set(platform
            .split(',')
            .map((p) => p.trim())
            .filter(Boolean)),
    ]
        .sort()
        .join(',');
}
async function fingerprintBuild(input) {
    let dockerfileContent;
    try {
        dockerfileContent = (0,external_node_fs_.readFileSync)(input.dockerfile);
    }
    catch (error) {
        const code = error.code;
        throw new DockerfileMissingError(code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR'
            ? `No Dockerfile at ${input.dockerfile}: set the 'dockerfile' input to its path (relative to the workspace), or put a Dockerfile in the context ${input.context}.`
            : `Cannot read the Dockerfile ${input.dockerfile}: ${error.message}`);
    }
    const { patterns, file: dockerignore } = dockerignoreFor(input.context, input.dockerfile);
    let files;
    let changedInWorkingTree = [];
    let fallbackReason = input.mode === 'read' ? 'full read requested' : undefined;
    if (input.mode !== 'read') {
        const tree = await readGitTree(input.context, input.git ?? 'git');
        if ('reason' in tree) {
            fallbackReason = tree.reason;
        }
        else {
            ({ files, changedInWorkingTree } = filesFromGit(input.context, patterns, tree));
        }
    }
    const method = files ? 'git' : 'read';
    files ??= fromRecords(filesByReading(input.context, patterns, ''), 0);
    const hashed = files;
    const parts = {
        dockerfile: sha256(dockerfileContent),
        buildArgs: sha256([...input.buildArgs.entries()]
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
            .map(([k, v]) => `${JSON.stringify(k)}=${JSON.stringify(v)}\n`)
            .join('')),
        platform: sha256(canonicalPlatform(input.platform)),
        files: hashed.digest,
    };
    const fingerprint = sha256(`${FINGERPRINT_VERSION}\ndockerfile ${parts.dockerfile}\nbuild-args ${parts.buildArgs}\nplatform ${parts.platform}\nfiles ${parts.files}\n`);
    return {
        fingerprint,
        tag: tagOf(fingerprint),
        parts,
        fileCount: hashed.count,
        listFiles: hashed.list,
        fromGit: hashed.fromGit,
        read: hashed.count - hashed.fromGit,
        method,
        fallbackReason,
        changedInWorkingTree,
        dockerignore,
        sendsGitFolder: hashed.sendsGitFolder,
    };
}
function sha256(data) {
    return (0,external_node_crypto_.createHash)('sha256').update(data).digest('hex');
}
const pathOf = (record) => record.slice(git_tree_PATH_AT);
const byRecordPath = (a, b) => {
    const pa = pathOf(a);
    const pb = pathOf(b);
    return pa < pb ? -1 : pa > pb ? 1 : 0;
};
const isGitFolderPath = (p) => p === '.git' || p.startsWith('.git/') || p.includes('/.git/');
/** Path-sorted records, each hashed with its ending NUL, in batches. */
function fromRecords(records, fromGit) {
    const hash = (0,external_node_crypto_.createHash)('sha256');
    for (let i = 0; i < records.length; i += 4096)
        hash.update(`${records.slice(i, i + 4096).join('\0')}\0`);
    return {
        digest: hash.digest('hex'),
        count: records.length,
        fromGit,
        sendsGitFolder: records.some((r) => isGitFolderPath(pathOf(r))),
        list: () => records,
    };
}
/** Reads one entry of the working tree; undefined when it is gone or is not a file or link. */
function readEntry(context, relativePath) {
    const absolute = external_node_path_.join(context, relativePath);
    let stat;
    try {
        stat = (0,external_node_fs_.lstatSync)(absolute);
    }
    catch (error) {
        const code = error.code;
        if (code === 'ENOENT' || code === 'ENOTDIR')
            return undefined;
        throw error;
    }
    if (stat.isSymbolicLink()) {
        return fileRecord(relativePath, '120000', gitBlobId((0,external_node_fs_.readlinkSync)(absolute, { encoding: 'buffer' })));
    }
    if (!stat.isFile())
        return undefined;
    return fileRecord(relativePath, (stat.mode & 0o100) !== 0 ? '100755' : '100644', gitBlobId((0,external_node_fs_.readFileSync)(absolute)));
}
function kindOf(absolute) {
    try {
        return (0,external_node_fs_.lstatSync)(absolute).isDirectory() ? 'dir' : 'file';
    }
    catch {
        return undefined;
    }
}
/** The full read: walk the context as Docker would and hash every file, in path order (optionally one folder only). */
function filesByReading(context, patterns, under) {
    const files = [];
    // listContext lists in path order.
    for (const entry of listContext(context, patterns, under)) {
        const file = readEntry(context, entry.path);
        if (file)
            files.push(file);
    }
    return files;
}
/**
 * The fast path: git's own records for the files git vouches for, and a read of the rest: tracked
 * files that differ from the index (or that git flags as unmerged, assume-unchanged or
 * skip-worktree), untracked and git-ignored files (Docker sends those too), the insides of
 * nested repositories and submodules, which the outer index only names, and the `.git` itself.
 *
 * The few read records are sorted first; then one pass over git's listing hashes each run of
 * clean, included records as one slice of git's output, with the read records merged in by path.
 */
function filesFromGit(context, patterns, tree) {
    const included = contextFilter(patterns);
    const toRead = new Set(tree.untrusted);
    const folders = [...tree.gitlinks];
    for (const p of tree.other) {
        if (p.endsWith('/'))
            folders.push(p.slice(0, -1));
        else
            toRead.add(p);
    }
    // Docker sends the repository's own .git unless .dockerignore excludes it; git never lists it.
    if (tree.atTop) {
        const kind = kindOf(external_node_path_.join(context, '.git'));
        if (kind === 'dir')
            folders.push('.git');
        else if (kind === 'file')
            toRead.add('.git');
    }
    const changedInWorkingTree = [];
    const readRecords = [];
    for (const p of toRead) {
        if (!included(p))
            continue;
        changedInWorkingTree.push(p);
        const file = readEntry(context, p);
        if (file)
            readRecords.push(file);
        // A tracked path that became a folder, or a changed submodule: read what is inside.
        else if (kindOf(external_node_path_.join(context, p)) === 'dir')
            folders.push(p);
    }
    for (const folder of folders)
        readRecords.push(...filesByReading(context, patterns, folder));
    readRecords.sort(byRecordPath);
    const readPaths = readRecords.map(pathOf);
    const streamed = hashListing(tree, included, readRecords, readPaths);
    // git lists in byte order, which differs from JS order only around surrogate pairs (emoji
    // next to CJK, say): then fall back to sorting strings.
    const files = streamed ?? sortedRecords(tree, included, readRecords, readPaths);
    return { files, changedInWorkingTree: changedInWorkingTree.sort() };
}
function hashListing(tree, included, readRecords, readPaths) {
    const { listing, untrusted } = tree;
    const hash = (0,external_node_crypto_.createHash)('sha256');
    const runs = [];
    const pieces = [];
    let runStart = -1;
    let runEnd = -1;
    let next = 0;
    let fromGit = 0;
    let count = 0;
    let previous = '';
    let ordered = true;
    let sendsGitFolder = false;
    const flush = () => {
        if (runStart < 0)
            return;
        hash.update(listing.bytes.subarray(runStart, runEnd));
        const run = [runStart, runEnd];
        runs.push(run);
        pieces.push(run);
        runStart = -1;
    };
    const emitRead = (record) => {
        flush();
        hash.update(`${record}\0`);
        pieces.push(record);
        count++;
    };
    const checkUntrusted = untrusted.size > 0;
    listing.forEach((start, end) => {
        if (!ordered || !listing.isIndexRecord(start, end) || !listing.isCleanRecord(start))
            return;
        const p = listing.recordPath(start, end);
        if (p <= previous) {
            ordered = false;
            return;
        }
        previous = p;
        if ((checkUntrusted && untrusted.has(p)) || listing.isGitlink(start) || !included(p))
            return;
        while (next < readPaths.length && readPaths[next] < p)
            emitRead(readRecords[next++]);
        // A path read here too (a folder walked twice) is taken as read.
        if (next < readPaths.length && readPaths[next] === p)
            return;
        if (runStart >= 0 && runEnd === start)
            runEnd = end + 1;
        else {
            flush();
            runStart = start;
            runEnd = end + 1;
        }
        if (isGitFolderPath(p))
            sendsGitFolder = true;
        fromGit++;
        count++;
    });
    if (!ordered)
        return undefined;
    while (next < readRecords.length)
        emitRead(readRecords[next++]);
    flush();
    return {
        digest: hash.digest('hex'),
        count,
        fromGit,
        sendsGitFolder: sendsGitFolder || readPaths.some(isGitFolderPath),
        list: () => pieces.flatMap((piece) => typeof piece === 'string' ? [piece] : listing.slice(piece[0], piece[1] - 1).split('\0')),
    };
}
/** The same records as hashListing, as strings sorted in JS order (the rare fallback). */
function sortedRecords(tree, included, readRecords, readPaths) {
    const { listing, untrusted } = tree;
    const read = new Set(readPaths);
    const records = [...readRecords];
    listing.forEach((start, end) => {
        if (!listing.isIndexRecord(start, end) || !listing.isCleanRecord(start))
            return;
        const p = listing.recordPath(start, end);
        if (untrusted.has(p) || listing.isGitlink(start) || !included(p) || read.has(p))
            return;
        records.push(listing.slice(start, end));
    });
    return fromRecords(records.sort(byRecordPath), records.length - readRecords.length);
}

// EXTERNAL MODULE: ./actions/build-image/src/cache.ts
var cache = __webpack_require__(9162);
// EXTERNAL MODULE: ./lib/errors.ts
var errors = __webpack_require__(8115);
// EXTERNAL MODULE: ./lib/summary.ts
var lib_summary = __webpack_require__(1262);
;// CONCATENATED MODULE: ./actions/build-image/src/build.ts
/**
 * build-image's logic: fingerprint the context, look the fingerprint tag up in ECR, and build and
 * push only when ECR lacks it. ECR, docker, the logger and the summary come in as arguments.
 */







const SHOWN_CHANGES = 20;
function missingRepositoryMessage(repository, region) {
    return (`The ECR repository '${repository}' does not exist in ${region}. Create it with the foundation ` +
        `Terraform stack (terraform/stacks/foundation), or once by hand: ` +
        `aws ecr create-repository --repository-name ${repository} --image-tag-mutability IMMUTABLE ` +
        `--image-scanning-configuration scanOnPush=true --region ${region}`);
}
/** The `docker buildx build` argument array (never a shell string). */
function buildArguments(config, fingerprint, repositoryUri, metadataFile, previousTag) {
    const args = ['buildx', 'build', '--push', '--platform', config.platform, '-f', config.dockerfile];
    for (const [key, value] of [...config.buildArgs.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
        args.push('--build-arg', `${key}=${value}`);
    }
    // Only the fingerprint tag: extra tags are added through ECR afterwards (applyExtraTags), one by
    // one, so a tag another image holds in an immutable repository cannot fail the whole push.
    args.push('-t', `${repositoryUri}:${fingerprint.tag}`);
    args.push(...(0,cache/* cacheArguments */.pv)({
        mode: config.cache,
        repository: config.repository,
        repositoryUri,
        fingerprintTag: fingerprint.tag,
        previousTag,
    }));
    // Provenance attestations would turn the pushed digest into an index digest that differs per build.
    args.push('--metadata-file', metadataFile, '--provenance=false', '--progress', 'plain', config.context);
    return args;
}
async function buildImage(config, deps) {
    const { ecr, docker, logger, summary, region } = deps;
    const repo = config.repository;
    // Named at once: a failure block written before the build's own summary shows under it.
    summary.title(`build-image: ${repo}`);
    const fp = await logger.group('Fingerprint of the build context', async () => {
        let result;
        try {
            result = await (deps.fingerprint ?? fingerprintBuild)({
                context: config.context,
                dockerfile: config.dockerfile,
                buildArgs: config.buildArgs,
                platform: config.platform,
            });
        }
        catch (error) {
            if (error instanceof DockerfileMissingError) {
                throw new errors/* ConfigurationError */.j1('dockerfile', external_node_path_.relative(deps.workspace, config.dockerfile), error.message);
            }
            throw error;
        }
        logger.info(`fingerprint ${result.fingerprint} (tag ${result.tag})`);
        logger.info(result.method === 'git'
            ? `${result.fileCount} files: ${result.fromGit} by git's index ids, ${result.read} read (changed, untracked or git-ignored)`
            : `${result.fileCount} files, all read (${result.fallbackReason ?? 'no git'})`);
        for (const p of result.changedInWorkingTree.slice(0, SHOWN_CHANGES))
            logger.info(`  read: ${p}`);
        if (result.sendsGitFolder) {
            logger.warning('The build context sends a .git folder, so the fingerprint changes with every git operation and the image is rebuilt each time. Add .git to .dockerignore.');
        }
        return result;
    });
    let existing;
    try {
        existing = await ecr.findImageByTag(repo, fp.tag);
    }
    catch (error) {
        if (isRepositoryNotFound(error))
            throw new errors/* ActionFailure */.dR(missingRepositoryMessage(repo, region));
        throw error;
    }
    const result = {
        image: '',
        imageTag: fp.tag,
        fingerprint: fp.fingerprint,
        built: false,
        digest: '',
        found: existing !== undefined,
        extraTags: { added: [], skipped: [] },
    };
    if (existing) {
        // The image is named by the repositoryUri ECR returns, as on the built path, so the same image
        // always gets the same name whatever region or endpoint the client was configured with.
        // https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_Repository.html
        const uri = (await ecr.describeRepository(repo)).uri;
        result.image = `${uri}@${existing.digest}`;
        result.digest = existing.digest;
        logger.info(`ECR already holds ${repo}:${fp.tag} (${existing.digest}): nothing to build.`);
        const missing = config.extraTags.filter((t) => !existing.tags.includes(t));
        if (missing.length && config.push) {
            await applyExtraTags(deps, repo, existing.digest, missing, result);
        }
        else if (missing.length) {
            result.extraTags.skipped.push(...missing);
            logger.info(`push is false: extra tags ${missing.join(', ')} were not added.`);
        }
        writeSummary(summary, config, deps, fp, result, 'reused');
        return result;
    }
    if (!config.push) {
        logger.info(`ECR has no ${repo}:${fp.tag}, and push is false: nothing is built.`);
        writeSummary(summary, config, deps, fp, result, 'absent');
        return result;
    }
    const repository = await ecr.describeRepository(repo);
    const previous = await ecr.newestTagged(repo, FINGERPRINT_TAG_PREFIX).catch((error) => {
        logger.debug(`Could not list earlier images: ${error.message}`);
        return undefined;
    });
    const version = await docker.ensureAvailable();
    logger.info(`docker server ${version || '(version unknown)'}`);
    const login = await ecr.login();
    deps.mask(login.password);
    await docker.login(login.registry, login.username, login.password);
    logger.info(`Logged in to ${login.registry}.`);
    const scratch = (0,external_node_fs_.mkdtempSync)(external_node_path_.join(deps.tempDir, 'build-image-'));
    try {
        const metadataFile = external_node_path_.join(scratch, 'metadata.json');
        const args = buildArguments(config, fp, repository.uri, metadataFile, previous?.tag);
        let outcome = await logger.group(`docker buildx build ${repository.uri}:${fp.tag}`, () => docker.build(args));
        if (outcome.exitCode !== 0 && outcome.tail.some((line) => /cache export is not supported/i.test(line))) {
            // The default `docker` driver exports no cache unless the containerd image store is on
            // (https://docs.docker.com/build/cache/backends/): a cache only makes builds faster, so
            // build again without it rather than fail.
            logger.warning(`This builder cannot export a build cache, so the image is built without one (cache: ${config.cache}). ` +
                'Add docker/setup-buildx-action before this step for a cache, or set cache: none to skip this attempt.');
            const uncached = buildArguments({ ...config, cache: 'none' }, fp, repository.uri, metadataFile);
            outcome = await logger.group(`docker buildx build ${repository.uri}:${fp.tag} (no cache)`, () => docker.build(uncached));
        }
        if (outcome.exitCode !== 0) {
            // Another run may have pushed the same fingerprint meanwhile (an immutable repository then
            // refuses ours): its image is the same build, so use it.
            const raced = await ecr.findImageByTag(repo, fp.tag).catch(() => undefined);
            if (raced) {
                logger.warning(`The build failed, but ${repo}:${fp.tag} now exists (pushed by another run): using it.`);
                result.image = `${repository.uri}@${raced.digest}`;
                result.digest = raced.digest;
                result.found = true;
                writeSummary(summary, config, deps, fp, result, 'reused', previous);
                return result;
            }
            // The cause first (buildx ends with its `ERROR:` line), the progress that led to it after.
            const cause = buildxError(outcome.tail);
            throw new errors/* ActionFailure */.dR(`${cause ? `${cause}\n` : ''}docker buildx build failed (exit ${outcome.exitCode}) for ${repository.uri}:${fp.tag}. Its last ${outcome.tail.length} lines:\n${outcome.tail.join('\n')}`);
        }
        if (config.cache !== 'none') {
            logger.info(`${outcome.cachedSteps} build steps came from the ${config.cache} cache.`);
        }
        let digest = readDigest(metadataFile);
        if (!digest) {
            logger.warning('The build wrote no containerimage.digest; asking ECR for the pushed digest.');
            digest = (await ecr.findImageByTag(repo, fp.tag))?.digest;
        }
        if (!digest) {
            throw new errors/* ActionFailure */.dR(`The build succeeded but ECR has no ${repo}:${fp.tag}: was the push refused?`);
        }
        result.built = true;
        result.digest = digest;
        result.image = `${repository.uri}@${digest}`;
        logger.info(`Pushed ${result.image}`);
        await applyExtraTags(deps, repo, digest, config.extraTags, result);
        writeSummary(summary, config, deps, fp, result, 'built', previous);
        return result;
    }
    finally {
        (0,external_node_fs_.rmSync)(scratch, { recursive: true, force: true });
        // The ECR token is valid for 12 hours: leave none behind in ~/.docker on a persistent runner.
        await docker.logout(login.registry).catch((error) => logger.debug(`docker logout: ${error.message}`));
    }
}
/**
 * Adds the extra tags to an image already in ECR, without docker: the manifest is copied to each
 * tag (BatchGetImage + PutImage). A tag another image holds in an immutable repository is left as
 * it is, with a warning; the image itself is unaffected.
 */
async function applyExtraTags(deps, repo, digest, tags, result) {
    for (const tag of tags) {
        const outcome = await deps.ecr.addTag(repo, digest, tag);
        if (outcome === 'immutable') {
            result.extraTags.skipped.push(tag);
            deps.logger.warning(`Tag ${tag} already names another image in the immutable repository ${repo}; it was left as it is.`);
        }
        else {
            result.extraTags.added.push(tag);
            deps.logger.info(`Tagged ${repo}@${digest} as ${tag}.`);
        }
    }
}
/** `containerimage.digest` from buildx's --metadata-file. */
function readDigest(metadataFile) {
    let metadata;
    try {
        metadata = JSON.parse((0,external_node_fs_.readFileSync)(metadataFile, 'utf8'));
    }
    catch {
        return undefined;
    }
    const digest = metadata['containerimage.digest'];
    return typeof digest === 'string' && /^sha256:[0-9a-f]{64}$/.test(digest) ? digest : undefined;
}
/** The last `ERROR:` line buildx printed (its summary of what failed), without the progress prefix. */
function buildxError(tail) {
    const line = [...tail].reverse().find((l) => /(^|\s)ERROR:/.test(l));
    return line?.slice(line.indexOf('ERROR:')).trim();
}
/** The repository's page in the ECR console, where its images and tags are listed. */
function ecrConsoleUrl(region, repository) {
    const r = encodeURIComponent(region);
    return `https://${r}.console.aws.amazon.com/ecr/repositories/private/${encodeURIComponent(repository)}?region=${r}`;
}
function build_short(hash) {
    return `\`${hash.slice(0, 12)}\``;
}
function writeSummary(summary, config, { workspace, region }, fp, result, outcome, previous) {
    const verdict = {
        built: `built and pushed \`${result.imageTag}\`, new to ECR`,
        reused: `reused \`${result.imageTag}\`: ECR already holds this build context, nothing was built`,
        absent: 'not in ECR, and push is false: nothing was built',
    }[outcome];
    summary.title(`build-image: ${config.repository}`);
    summary.verdict(outcome === 'absent' ? 'unchanged' : outcome === 'reused' ? 'unchanged' : 'success', verdict);
    summary.text((0,lib_summary/* link */.nf)('Repository in the ECR console', ecrConsoleUrl(region, config.repository)));
    const extraTags = [...result.extraTags.added, ...result.extraTags.skipped.map((t) => `${t} (left as it was)`)];
    summary.table(['Field', 'Value'], [
        ['Image', result.image ? `\`${result.image}\`` : '(none)'],
        ['Tag', `\`${result.imageTag}\``],
        ['Fingerprint', `\`${result.fingerprint}\``],
        [
            'Files hashed',
            fp.method === 'git'
                ? `${fp.fileCount}: ${fp.fromGit} by git's index ids, ${fp.read} read`
                : `${fp.fileCount}, all read (${fp.fallbackReason ?? 'no git'})`,
        ],
        ['.dockerignore', fp.dockerignore ? external_node_path_.relative(workspace, fp.dockerignore) : '(none)'],
        ...(extraTags.length > 0 ? [['Extra tags', extraTags.join(', ')]] : []),
    ]);
    // The fingerprint is a hash of these four hashes: compared with an earlier run, they say which input changed.
    summary.folded('Parts of the fingerprint', (0,lib_summary/* markdownTable */.Qj)(['Part', 'sha256'], [
        ['Dockerfile', build_short(fp.parts.dockerfile)],
        ['Build args', build_short(fp.parts.buildArgs)],
        ['Platform', `${build_short(fp.parts.platform)} (${config.platform})`],
        ['Context files', build_short(fp.parts.files)],
    ]));
    if (previous) {
        summary.text(`The newest earlier image with a fingerprint tag is \`${previous.tag}\` (${previous.digest}${previous.pushedAt ? `, pushed ${previous.pushedAt.toISOString()}` : ''}). ` +
            'ECR keeps tags and digests, not the files behind them, so the difference is shown against git instead:');
    }
    if (fp.method === 'git') {
        const shown = fp.changedInWorkingTree.slice(0, SHOWN_CHANGES);
        summary.text(fp.changedInWorkingTree.length
            ? `Files in the context that differ from git's index (modified, deleted, untracked or git-ignored): ${fp.changedInWorkingTree.length}`
            : 'No file in the context differs from git’s index: the image is made of committed files only.');
        summary.list(shown.map((p) => `\`${p}\``));
        if (fp.changedInWorkingTree.length > shown.length) {
            summary.text(`… and ${fp.changedInWorkingTree.length - shown.length} more.`);
        }
    }
}

// EXTERNAL MODULE: ./node_modules/@actions/exec/lib/exec.js + 3 modules
var exec = __webpack_require__(1260);
;// CONCATENATED MODULE: ./actions/build-image/src/docker.ts
/**
 * The docker CLI, as build-image uses it: always through @actions/exec with argument arrays (no
 * shell), the registry password on stdin only.
 */



const TAIL_LINES = 30;
function createDockerCli(docker = 'docker') {
    return {
        async ensureAvailable() {
            let result;
            try {
                result = await exec/* getExecOutput */.H(docker, ['version', '--format', '{{.Server.Version}}'], {
                    silent: true,
                    ignoreReturnCode: true,
                });
            }
            catch (error) {
                throw new errors/* ActionFailure */.dR(`docker is not installed (no '${docker}' on PATH): ${error.message} ` +
                    'Use a runner with Docker (ubuntu-latest has it) or install it before this step.');
            }
            if (result.exitCode !== 0) {
                const detail = (result.stderr || result.stdout).trim().split('\n').slice(-3).join(' ');
                throw new errors/* ActionFailure */.dR(`docker is installed but its daemon does not answer (docker version exited ${result.exitCode}: ${detail}). ` +
                    'Start the Docker daemon (or the docker service on a self-hosted runner) and check that this user may use it.');
            }
            return result.stdout.trim().split('\n')[0] ?? '';
        },
        async login(registry, username, password) {
            const result = await exec/* getExecOutput */.H(docker, ['login', '--username', username, '--password-stdin', registry], {
                input: Buffer.from(password),
                silent: true,
                ignoreReturnCode: true,
            });
            if (result.exitCode !== 0) {
                throw new errors/* ActionFailure */.dR(`docker login to ${registry} failed (exit ${result.exitCode}): ${(result.stderr || result.stdout).trim()}`);
            }
        },
        async logout(registry) {
            await exec/* exec */.m(docker, ['logout', registry], { silent: true, ignoreReturnCode: true });
        },
        async build(args) {
            const tail = [];
            let cachedSteps = 0;
            const keep = (line) => {
                if ((0,cache/* isCachedStepLine */.vA)(line))
                    cachedSteps++;
                tail.push(line);
                if (tail.length > TAIL_LINES)
                    tail.shift();
            };
            const exitCode = await exec/* exec */.m(docker, args, {
                ignoreReturnCode: true,
                listeners: { stdline: keep, errline: keep },
            });
            return { exitCode, tail, cachedSteps };
        },
    };
}

;// CONCATENATED MODULE: ./actions/build-image/src/build.lazy.ts
/**
 * What a build-image run needs once its inputs are valid: the ECR client, docker and the logic.
 * main.ts loads this module with import(), so a run stopped by its inputs loads none of it.
 */





function buildWithAws(config, env, deps) {
    const clientConfig = (0,aws/* awsClientConfig */.rw)(env, 'build-image');
    return buildImage(config, {
        ...deps,
        ecr: createEcr((0,aws/* labelOperations */.JB)(new dist_cjs/* ECRClient */.S70(clientConfig))),
        docker: createDockerCli(),
        region: clientConfig.region,
    });
}


/***/ })

};
