/** The image's file system, modelled in memory: what COPY/ADD write and the layer serializes. */
import * as posix from 'node:path/posix';

export type FsNode =
  | { kind: 'dir'; mode: number }
  | { kind: 'file'; mode: number; content: Buffer }
  | { kind: 'symlink'; mode: number; target: string };

/** Absolute POSIX paths ('/app/server.js') to nodes; parents always exist as 'dir'. */
export class ImageFs {
  readonly nodes = new Map<string, FsNode>([['/', { kind: 'dir', mode: 0o755 }]]);

  get(path: string): FsNode | undefined {
    return this.nodes.get(normalise(path));
  }

  isDir(path: string): boolean {
    return this.get(path)?.kind === 'dir';
  }

  mkdirp(path: string, mode = 0o755): void {
    const p = normalise(path);
    if (p === '/') return;
    this.mkdirp(posix.dirname(p));
    const existing = this.nodes.get(p);
    if (existing && existing.kind !== 'dir') this.nodes.delete(p);
    if (!existing || existing.kind !== 'dir') this.nodes.set(p, { kind: 'dir', mode });
  }

  put(path: string, node: FsNode): void {
    const p = normalise(path);
    this.mkdirp(posix.dirname(p));
    if (node.kind !== 'dir') {
      // A file replacing a folder replaces everything under it.
      for (const key of [...this.nodes.keys()]) if (key.startsWith(`${p}/`)) this.nodes.delete(key);
      this.nodes.set(p, node);
    } else {
      this.mkdirp(p, node.mode);
    }
  }

  /** Every path strictly under `dir`, sorted. */
  descendants(dir: string): string[] {
    const d = normalise(dir);
    const prefix = d === '/' ? '/' : `${d}/`;
    return [...this.nodes.keys()].filter((k) => k !== d && k.startsWith(prefix)).sort();
  }

  /** All nodes sorted by path (root excluded), for the layer serialization. */
  entries(): [string, FsNode][] {
    return [...this.nodes.entries()].filter(([k]) => k !== '/').sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
}

function normalise(path: string): string {
  const p = posix.normalize(`/${path}`);
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}
