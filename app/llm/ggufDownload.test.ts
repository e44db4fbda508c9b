/**
 * The order of things around a GGUF download: download, check, mark; a refused file leaves the cache and no record
 * changes. wllama's cache lives in the browser's Origin Private File System, which Node lacks, so its CacheManager
 * is stood in for by a map with the same calls; the hashing and the checks are the real ones. The real cache runs
 * in the e2e tests (the test model's runtime line says its sha256 matched the catalog).
 */
import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { downloadCheckedGGUF } from './ggufDownload';
import { FIRST_DOWNLOAD_STORAGE_KEY, ModelFileHashError, type ModelHashStorage } from './modelFileCheck';

/** What the "server" sends per URL, and what the "cache" holds. */
const server = new Map<string, Uint8Array>();
const files = new Map<string, { bytes: Uint8Array; metadata: Record<string, unknown> }>();
const calls = { fetch: 0, open: 0 };

vi.mock('@wllama/wllama', () => ({
  CacheManager: class {
    async getNameFromURL(url: string) {
      return `name:${url}`;
    }
    async download(url: string, options: { progressCallback?: (p: { loaded: number; total: number }) => void }) {
      const cached = files.get(`name:${url}`);
      if (cached && cached.metadata.originalSize === cached.bytes.length) return;
      calls.fetch++;
      const bytes = server.get(url)!;
      options.progressCallback?.({ loaded: bytes.length, total: bytes.length });
      files.set(`name:${url}`, { bytes, metadata: { originalURL: url, originalSize: bytes.length, etag: '' } });
    }
    async getMetadata(name: string) {
      return files.get(name)?.metadata ?? null;
    }
    async getSize(name: string) {
      return files.get(name)?.bytes.length ?? -1;
    }
    async open(name: string) {
      calls.open++;
      const file = files.get(name);
      return file ? new Blob([file.bytes as Uint8Array<ArrayBuffer>]) : null;
    }
    async writeMetadata(name: string, metadata: Record<string, unknown>) {
      files.get(name)!.metadata = metadata;
    }
    async delete(name: string) {
      files.delete(name);
    }
  },
}));

const URL_A = 'https://example.org/models/a.gguf';
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const bytesOf = (text: string) => new TextEncoder().encode(text);

function memoryStorage(): ModelHashStorage & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return { items, getItem: (k) => items.get(k) ?? null, setItem: (k, v) => void items.set(k, v) };
}

beforeEach(() => {
  server.clear();
  files.clear();
  calls.fetch = 0;
  calls.open = 0;
});

describe('downloadCheckedGGUF', () => {
  it('downloads and checks a pinned file once; a later load reuses the mark in its cache metadata', async () => {
    server.set(URL_A, bytesOf('GGUF model bytes'));
    const pinned = sha(bytesOf('GGUF model bytes'));
    const storage = memoryStorage();
    const phases: string[] = [];
    const verdict = await downloadCheckedGGUF({ what: 'Loading a', url: URL_A, pinnedSha256: pinned, storage, onProgress: (p) => phases.push(p.phase) });
    expect(verdict).toEqual({ kind: 'pinned', sha256: pinned });
    expect(phases).toEqual(['download', 'check']);
    expect(files.get(`name:${URL_A}`)!.metadata).toMatchObject({ originalURL: URL_A, memoryR1Sha256: pinned });

    expect(await downloadCheckedGGUF({ what: 'Loading a', url: URL_A, pinnedSha256: pinned, storage })).toEqual({ kind: 'pinned', sha256: pinned });
    expect(calls).toEqual({ fetch: 1, open: 1 });
  });

  it('refuses a file that does not match its pin: it leaves the cache, and the error names both hashes', async () => {
    server.set(URL_A, bytesOf('tampered'));
    const pinned = sha(bytesOf('the real thing'));
    const error = await downloadCheckedGGUF({ what: 'Loading a', url: URL_A, pinnedSha256: pinned, storage: memoryStorage() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelFileHashError);
    expect((error as Error).message).toContain(sha(bytesOf('tampered')));
    expect((error as Error).message).toContain(pinned);
    expect(files.size).toBe(0);
  });

  it('trusts an unpinned file on first download, and refuses a changed file at the same URL after the cache was cleared', async () => {
    const storage = memoryStorage();
    server.set(URL_A, bytesOf('version one'));
    expect(await downloadCheckedGGUF({ what: 'Loading a', url: URL_A, storage })).toEqual({ kind: 'first-download', sha256: sha(bytesOf('version one')) });
    const record = storage.items.get(FIRST_DOWNLOAD_STORAGE_KEY);

    files.clear(); // "clear model cache"
    server.set(URL_A, bytesOf('version two'));
    await expect(downloadCheckedGGUF({ what: 'Loading a', url: URL_A, storage })).rejects.toThrow(
      `has sha256 ${sha(bytesOf('version two'))}, but its first download`,
    );
    expect(files.size).toBe(0);
    expect(storage.items.get(FIRST_DOWNLOAD_STORAGE_KEY)).toBe(record);

    server.set(URL_A, bytesOf('version one'));
    expect((await downloadCheckedGGUF({ what: 'Loading a', url: URL_A, storage }))?.kind).toBe('same-as-first-download');
  });

  it('says which file could not be fetched', async () => {
    await expect(downloadCheckedGGUF({ what: 'Loading a', url: URL_A, storage: memoryStorage() })).rejects.toThrow(`Loading a (could not fetch ${URL_A}): `);
  });

  it('leaves a split model to wllama (its shards are fetched by the loader): nothing downloaded here', async () => {
    expect(await downloadCheckedGGUF({ what: 'Loading a', url: 'https://example.org/m-00001-of-00003.gguf', storage: memoryStorage() })).toBeNull();
    expect(calls.fetch).toBe(0);
  });
});
