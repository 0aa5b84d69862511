/**
 * `npm run screenshots` (not part of CI): renders every golden job summary in docs/summaries/
 * as GitHub shows it, GitHub-flavoured markdown (marked, gfm) styled with GitHub's own
 * stylesheet (github-markdown-css), in headless Chromium (Debian's `chromium` package), and
 * writes a PNG beside each markdown file. The READMEs show some of them.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { marked } from 'marked';

const root = fileURLToPath(new URL('..', import.meta.url));
const summaries = join(root, 'docs', 'summaries');
const WIDTH = 900;
const MIN_HEIGHT = 160;
const require = createRequire(import.meta.url);
const css = readFileSync(require.resolve('github-markdown-css/github-markdown-light.css'), 'utf8');

function chromium(): string {
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    try {
      return execFileSync('which', [name], { encoding: 'utf8' }).trim();
    } catch {
      // try the next name
    }
  }
  throw new Error('No Chromium found: install it (Debian: apt-get install -y chromium) and run again.');
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return files(full);
    return name.endsWith('.md') && name !== 'README.md' ? [full] : [];
  });
}

function page(markdown: string, title: string): string {
  const body = marked.parse(markdown, { gfm: true, async: false });
  // The script writes the page's height into the title, so a first run can measure it.
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title><style>${css}
body { margin: 0; background: #fff; } .markdown-body { box-sizing: border-box; width: ${WIDTH}px; padding: 24px 32px; }
</style></head><body><article class="markdown-body">${body}</article>
<script>document.title = 'height=' + Math.ceil(document.querySelector('article').getBoundingClientRect().height);</script>
</body></html>`;
}

const browser = chromium();
const work = mkdtempSync(join(tmpdir(), 'screenshots-'));
const flags = (profile: string) => [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--hide-scrollbars',
  `--user-data-dir=${profile}`,
];
try {
  for (const file of files(summaries)) {
    const html = join(work, 'page.html');
    writeFileSync(html, page(readFileSync(file, 'utf8'), relative(summaries, file)));
    const profile = mkdtempSync(join(work, 'profile-'));
    const dom = execFileSync(
      browser,
      [...flags(profile), `--window-size=${WIDTH},2000`, '--dump-dom', `file://${html}`],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    // Chromium lays out a very short window oddly (the last line went missing at about 110 px).
    const height = Math.max(MIN_HEIGHT, Number(/<title>height=(\d+)<\/title>/.exec(dom)?.[1] ?? 1200));
    const png = file.replace(/\.md$/, '.png');
    execFileSync(
      browser,
      [...flags(profile), `--window-size=${WIDTH},${height}`, `--screenshot=${png}`, `file://${html}`],
      { stdio: 'ignore' },
    );
    console.log(`${relative(root, png)} (${WIDTH}×${height})`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
