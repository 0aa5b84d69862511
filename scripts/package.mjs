#!/usr/bin/env node
// Bundles every action with @vercel/ncc into actions/<name>/dist (minified, with licenses).
// `--check` bundles into a temporary folder and fails when a committed dist differs, so CI
// catches a source change whose bundle was not rebuilt.
import { spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { minify } from 'terser';

const root = new URL('..', import.meta.url).pathname;
const check = process.argv.includes('--check');
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const actions = readdirSync(join(root, 'actions')).filter(
  (name) => existsSync(join(root, 'actions', name, 'src', 'index.ts')) && (only.length === 0 || only.includes(name)),
);

/** Each entry: the source, and the dist folder it lands in (post steps in dist/post). */
const entries = actions.flatMap((name) => {
  const src = join(root, 'actions', name, 'src');
  const list = [{ name, entry: join(src, 'index.ts'), out: join('actions', name, 'dist') }];
  if (existsSync(join(src, 'post.ts'))) {
    list.push({ name: `${name} (post)`, entry: join(src, 'post.ts'), out: join('actions', name, 'dist', 'post') });
  }
  return list;
});

// Always bundle into a scratch folder first: a failed build must never leave a committed dist
// emptied or half-written. Without --check the fresh bundles then replace the old ones.
const scratch = mkdtempSync(join(tmpdir(), check ? 'check-dist-' : 'package-'));
const ncc = join(root, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js');

function bundle({ name, entry, out }) {
  const target = join(scratch, out);
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [ncc, 'build', entry, '-o', target, '--minify', '--license', 'licenses.txt', '--quiet'],
      {
        cwd: root,
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ncc failed for ${name} (exit ${code})`))));
  }).then(() => minifyChunks(target));
}

/**
 * ncc's --minify minifies index.js only: the chunks it writes for lazily imported modules
 * (<id>.index.js, ES modules) come out as written, so the AWS SDK a run loads once its inputs are
 * valid would be read and parsed unminified. Terser, the minifier ncc itself uses, does them too.
 */
async function minifyChunks(dir) {
  for (const file of readdirSync(dir).filter((f) => /^\d+\.index\.js$/.test(f))) {
    const path = join(dir, file);
    const { code } = await minify(readFileSync(path, 'utf8'), {
      module: true,
      compress: true,
      mangle: true,
      format: { comments: false },
    });
    writeFileSync(path, code);
  }
}

function listFiles(dir, base = dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? listFiles(p, base) : [relative(base, p)];
  });
}

/** What ncc writes for an entry: index.js, its chunks (<id>.index.js), licenses.txt, package.json. */
const isBundleFile = (f) => /^(?:[\w-]+\.)?index\.js$/.test(f) || f === 'licenses.txt' || f === 'package.json';

const started = Date.now();
// Two at a time: each ncc run is CPU-bound and the reference machine has two cores.
const queue = [...entries];
try {
  await Promise.all(
    [0, 1].map(async () => {
      while (queue.length) await bundle(queue.shift());
    }),
  );
} catch (error) {
  rmSync(scratch, { recursive: true, force: true });
  console.error(`${error.message}; the committed bundles were left as they were.`);
  process.exit(1);
}

if (!check) {
  for (const { out } of entries) {
    // Only this entry's own files: dist/post belongs to the post entry.
    // ncc writes each lazily imported module as a chunk, <id>.index.js, beside index.js.
    mkdirSync(join(root, out), { recursive: true });
    const ownFiles = (dir) =>
      existsSync(dir) ? readdirSync(dir).filter((f) => statSync(join(dir, f)).isFile() && isBundleFile(f)) : [];
    for (const f of ownFiles(join(root, out))) rmSync(join(root, out, f), { force: true });
    for (const f of ownFiles(join(scratch, out))) copyFileSync(join(scratch, out, f), join(root, out, f));
  }
  rmSync(scratch, { recursive: true, force: true });
  for (const { name, out } of entries) {
    const size = statSync(join(root, out, 'index.js')).size;
    console.log(`${name.padEnd(28)} ${out}/index.js  ${(size / 1024).toFixed(0)} KiB`);
  }
  console.log(`Bundled ${entries.length} entries in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.exit(0);
}

const differences = [];
for (const name of actions) {
  const dist = join('actions', name, 'dist');
  const fresh = listFiles(join(scratch, dist));
  const committed = listFiles(join(root, dist));
  for (const f of new Set([...fresh, ...committed])) {
    const a = join(root, dist, f);
    const b = join(scratch, dist, f);
    if (!existsSync(a)) differences.push(`${dist}/${f}: missing from the committed bundle`);
    else if (!existsSync(b)) differences.push(`${dist}/${f}: not produced by a fresh build (stale file)`);
    else if (!readFileSync(a).equals(readFileSync(b))) differences.push(`${dist}/${f}: differs from a fresh build`);
  }
}
rmSync(scratch, { recursive: true, force: true });
if (differences.length) {
  console.error(`check-dist: the committed bundles are not what the sources build:\n  ${differences.join('\n  ')}`);
  console.error('Run `npm run package` and commit actions/*/dist.');
  process.exit(1);
}
console.log(
  `check-dist: ${actions.length} actions' dist/ match a fresh build (${((Date.now() - started) / 1000).toFixed(1)} s)`,
);
