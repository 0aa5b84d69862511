/**
 * A deterministic POSIX tar (ustar, with a PAX header for long names) of an image's files: the
 * layer blob whose sha256 is the layer digest. Owner 0:0 and mtime 0, so the same files always
 * give the same bytes. https://pubs.opengroup.org/onlinepubs/9699919799/utilities/pax.html
 */
import { createHash } from 'node:crypto';
import type { FsNode } from './dockerfile.js';

const BLOCK = 512;

/** Feeds the tar stream of `entries` (paths absolute, sorted) to `write`; returns the total size. */
export function writeTar(entries: [string, FsNode][], write: (chunk: Buffer) => void): number {
  let size = 0;
  const emit = (chunk: Buffer) => {
    write(chunk);
    size += chunk.length;
  };
  for (const [absolutePath, node] of entries) {
    const name = absolutePath.replace(/^\//, '') + (node.kind === 'dir' ? '/' : '');
    const content = node.kind === 'file' ? node.content : Buffer.alloc(0);
    const linkTarget = node.kind === 'symlink' ? node.target : '';
    const pax: string[] = [];
    if (Buffer.byteLength(name) > 100) pax.push(paxRecord('path', name));
    if (Buffer.byteLength(linkTarget) > 100) pax.push(paxRecord('linkpath', linkTarget));
    if (pax.length) {
      const body = Buffer.from(pax.join(''));
      emit(header({ name: 'PaxHeader', mode: 0o644, size: body.length, type: 'x', linkTarget: '' }));
      emit(padded(body));
    }
    const type = node.kind === 'dir' ? '5' : node.kind === 'symlink' ? '2' : '0';
    emit(header({ name, mode: node.mode, size: content.length, type, linkTarget }));
    if (content.length) emit(padded(content));
  }
  emit(Buffer.alloc(BLOCK * 2));
  return size;
}

/** sha256 and size of the tar of `entries`. */
export function tarDigest(entries: [string, FsNode][]): { digest: string; size: number } {
  const hash = createHash('sha256');
  const size = writeTar(entries, (chunk) => hash.update(chunk));
  return { digest: `sha256:${hash.digest('hex')}`, size };
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body);
  // The length prefix counts itself.
  while (`${length}${body}`.length !== length) length = Buffer.byteLength(`${length}${body}`);
  return `${length}${body}`;
}

function padded(buffer: Buffer): Buffer {
  const rest = buffer.length % BLOCK;
  return rest === 0 ? buffer : Buffer.concat([buffer, Buffer.alloc(BLOCK - rest)]);
}

function header(h: { name: string; mode: number; size: number; type: string; linkTarget: string }): Buffer {
  const block = Buffer.alloc(BLOCK);
  const put = (offset: number, length: number, value: string) =>
    block.write(value.slice(0, length), offset, length, 'utf8');
  const octal = (offset: number, length: number, value: number) =>
    put(offset, length, `${value.toString(8).padStart(length - 1, '0')}\0`);
  put(0, 100, h.name.length > 100 ? h.name.slice(0, 100) : h.name);
  octal(100, 8, h.mode & 0o7777);
  octal(108, 8, 0);
  octal(116, 8, 0);
  octal(124, 12, h.size);
  octal(136, 12, 0);
  put(148, 8, '        ');
  put(156, 1, h.type);
  put(157, 100, h.linkTarget.slice(0, 100));
  put(257, 6, 'ustar\0');
  put(263, 2, '00');
  let sum = 0;
  for (const byte of block) sum += byte;
  put(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return block;
}
