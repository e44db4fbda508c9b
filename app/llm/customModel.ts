/**
 * A chat model the user adds by URL — typically their own fine-tune (docs/training.md) — made into a catalog entry,
 * so that it is listed, loaded, cached and cleared by the same code as the built-in models.
 *
 * What is stored (settings) is the user's spec, not the entry: entries are rebuilt, and so re-validated, on load.
 */
import type { CatalogEntry, GGUFCatalogEntry, Quantization, WebLLMCatalogEntry } from './catalog';
import { CATALOG } from './catalog';

export type CustomModelSpec = { engine: 'wllama'; name: string; url: string } | { engine: 'webllm'; name: string; modelUrl: string; modelLibUrl: string };

export type CustomModelField = 'name' | 'url' | 'modelUrl' | 'modelLibUrl' | 'engine';

export class CustomModelError extends Error {
  constructor(
    message: string,
    /** The form field at fault, so the UI can point at it. */
    readonly field: CustomModelField,
  ) {
    super(message);
    this.name = 'CustomModelError';
  }
}

const MAX_NAME_LENGTH = 100;
/** Both engines run the app's prompts with a 4096-token context (wllama's n_ctx, web-llm's override). */
const CUSTOM_CONTEXT_LENGTH = 4096;
/** llama.cpp's gguf-split names, which wllama expands into every shard's URL; wllama requires five digits. */
const SHARD_PATTERN = /-(\d+)-of-(\d+)\.gguf$/i;
// Bidirectional overrides and isolates: "‮fuggm.gguf" shows one name and is another.
const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/u;

/** The page's origin, which relative URLs are resolved against (a stand-in in Node, where there is no page). */
function pageOrigin(): string {
  const origin = globalThis.location?.origin;
  return origin && origin !== 'null' ? origin : 'http://page.invalid';
}

/**
 * The URL if it is http(s) or a path on this server; otherwise a CustomModelError naming the field. A URL on the
 * page's own origin is kept as its path, so it counts as local; one on another origin is kept whole.
 */
function checkUrl(raw: unknown, field: CustomModelField, what: string): { url: string; pathname: string } {
  const url = typeof raw === 'string' ? raw.trim() : '';
  if (!url) throw new CustomModelError(`${what} is required.`, field);
  if (/\s/.test(url)) throw new CustomModelError(`${what} must not contain spaces: "${url}".`, field);
  if (BIDI_CONTROLS.test(url) || CONTROLS.test(url)) throw new CustomModelError(`${what} contains invisible control characters; type it again.`, field);
  // Browsers read "\" as "/" in http(s) URLs, so "/\evil.example/m.gguf" and "\\evil.example\m.gguf" are other
  // origins that look like paths, as is "//evil.example/m.gguf": all refused rather than guessed at.
  if (url.includes('\\')) throw new CustomModelError(`${what} must not contain backslashes (\\); use / — "${url}".`, field);
  if (url.startsWith('//')) {
    throw new CustomModelError(
      `${what} starts with //, which means another server: write it with https:// in front, or as a path on this server starting with a single /.`,
      field,
    );
  }
  let parsed: URL;
  const origin = pageOrigin();
  try {
    parsed = new URL(url, `${origin}/`);
  } catch {
    throw new CustomModelError(`${what} is not a valid URL: "${url}".`, field);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new CustomModelError(
      `${what} must be an http(s) URL or a path on this server (such as /models/my-model.gguf), not ${parsed.protocol} — "${url}".`,
      field,
    );
  }
  if (parsed.username || parsed.password) {
    throw new CustomModelError(`${what} must not contain a user name or password (user:pass@): they would be saved and shown in plain text.`, field);
  }
  const relative = !/^[a-z][a-z0-9+.-]*:/i.test(url);
  if (relative && parsed.origin !== origin)
    throw new CustomModelError(`${what} resolves to another server (${parsed.origin}); write the full URL instead.`, field);
  const kept = parsed.origin === origin ? `${parsed.pathname}${parsed.search}` : url;
  return { url: kept, pathname: decodeURIComponent(parsed.pathname) };
}

function lastSegment(pathname: string): string {
  const parts = pathname.split('/').filter(Boolean);
  return parts[parts.length - 1] ?? '';
}

function checkName(raw: unknown, fallback: string): string {
  const name = (typeof raw === 'string' ? raw.trim() : '') || fallback;
  if (!name) throw new CustomModelError('Give the model a name.', 'name');
  if (name.length > MAX_NAME_LENGTH) throw new CustomModelError(`The name is longer than ${MAX_NAME_LENGTH} characters.`, 'name');
  if (CONTROLS.test(name) || BIDI_CONTROLS.test(name)) throw new CustomModelError('The name contains control characters.', 'name');
  if (CATALOG.some((e) => e.id === name)) {
    throw new CustomModelError(`"${name}" is the name of a built-in model; pick another name for yours.`, 'name');
  }
  return name;
}

function ggufQuantization(fileName: string): Quantization {
  const known: Quantization[] = ['Q4_K_M', 'Q4_1', 'Q8_0'];
  return known.find((q) => fileName.toUpperCase().includes(q)) ?? 'unknown';
}

function buildGGUF(spec: Extract<CustomModelSpec, { engine: 'wllama' }>): GGUFCatalogEntry {
  const { url, pathname } = checkUrl(spec.url, 'url', 'The GGUF file URL');
  // Not lastSegment: a trailing slash names a folder, not a file.
  const fileName = pathname.slice(pathname.lastIndexOf('/') + 1);
  if (!/\.gguf$/i.test(fileName)) {
    throw new CustomModelError(
      `llama.cpp (wllama) loads GGUF files: the URL must end in .gguf (for a split model, the first shard, such as model-00001-of-00003.gguf) — "${url}".`,
      'url',
    );
  }
  const shard = SHARD_PATTERN.exec(fileName);
  if (shard) {
    const [, current = '', total = ''] = shard;
    if (current.length !== 5 || total.length !== 5) {
      throw new CustomModelError(
        `Split GGUF files are named -00001-of-00003.gguf (five digits each); wllama would not find the other shards of "${fileName}".`,
        'url',
      );
    }
    if (Number(current) < 1 || Number(current) > Number(total)) {
      throw new CustomModelError(`"${fileName}" names shard ${Number(current)} of ${Number(total)}, which cannot exist.`, 'url');
    }
  }
  const name = checkName(spec.name, fileName.replace(SHARD_PATTERN, '').replace(/\.gguf$/i, ''));
  return {
    engine: 'wllama',
    id: name,
    label: name,
    quantization: ggufQuantization(fileName),
    contextLength: CUSTOM_CONTEXT_LENGTH,
    sizeBytes: 0,
    sizeApproximate: true,
    license: 'unknown',
    custom: true,
    url,
    localPath: '',
    requires: { webgpu: false, shaderF16: false },
  };
}

function buildWebLLM(spec: Extract<CustomModelSpec, { engine: 'webllm' }>): WebLLMCatalogEntry {
  const model = checkUrl(spec.modelUrl, 'modelUrl', 'The model URL');
  if (/\.gguf$/i.test(model.pathname)) {
    throw new CustomModelError('web-llm loads MLC-compiled models, not GGUF files: choose llama.cpp (wllama) for a .gguf URL.', 'modelUrl');
  }
  if (typeof spec.modelLibUrl !== 'string' || !spec.modelLibUrl.trim()) {
    throw new CustomModelError('web-llm needs the model library (.wasm) compiled for this model (mlc_llm compile … --device webgpu).', 'modelLibUrl');
  }
  const lib = checkUrl(spec.modelLibUrl, 'modelLibUrl', 'The model library URL');
  if (!/\.wasm$/i.test(lib.pathname)) {
    throw new CustomModelError(`The model library must be a .wasm file — "${lib.url}".`, 'modelLibUrl');
  }
  // MLC names say the weight and float types (q4f16_1, q0f32…); f16 builds need the shader-f16 WebGPU feature.
  const where = `${lastSegment(lib.pathname)} ${model.pathname}`;
  const floatBits = /q\d+f(16|32)/i.exec(where)?.[1];
  const quantization: Quantization = /q4f16_1/i.test(where) ? 'q4f16_1' : /q4f32_1/i.test(where) ? 'q4f32_1' : 'unknown';
  const name = checkName(spec.name, lastSegment(model.pathname.replace(/\/resolve\/[^/]+\/?$/, '')));
  return {
    engine: 'webllm',
    id: name,
    label: name,
    quantization,
    contextLength: CUSTOM_CONTEXT_LENGTH,
    sizeBytes: 0,
    sizeApproximate: true,
    license: 'unknown',
    custom: true,
    modelUrl: model.url,
    modelLibUrl: lib.url,
    vramRequiredMB: 0,
    requires: { webgpu: true, shaderF16: floatBits === '16' },
  };
}

/** The catalog entry for a user's spec, or a CustomModelError that says what to fix. */
export function buildCustomModel(spec: CustomModelSpec): CatalogEntry {
  if (spec.engine === 'wllama') return buildGGUF(spec);
  if (spec.engine === 'webllm') return buildWebLLM(spec);
  throw new CustomModelError(`Unknown engine "${(spec as { engine: unknown }).engine}": choose wllama or webllm.`, 'engine');
}

/** Adds a spec to the saved ones, replacing any of the same name (how a user points a name at a new build). */
export function addCustomModel(saved: readonly CustomModelSpec[], spec: CustomModelSpec): CustomModelSpec[] {
  const entry = buildCustomModel(spec);
  const clean: CustomModelSpec =
    entry.engine === 'wllama'
      ? { engine: 'wllama', name: entry.id, url: entry.url }
      : { engine: 'webllm', name: entry.id, modelUrl: entry.modelUrl, modelLibUrl: entry.modelLibUrl };
  return [...saved.filter((s) => s.name.toLowerCase() !== entry.id.toLowerCase()), clean];
}

export function removeCustomModel(saved: readonly CustomModelSpec[], name: string): CustomModelSpec[] {
  return saved.filter((s) => s.name !== name);
}

export interface CustomModelsRead {
  entries: CatalogEntry[];
  /** One sentence per saved spec that no longer validates (edited storage, an older app); kept, not dropped. */
  problems: string[];
}

/** Rebuilds the entries of saved specs (from localStorage, so anything may be there). */
export function readCustomModels(saved: unknown): CustomModelsRead {
  const result: CustomModelsRead = { entries: [], problems: [] };
  if (saved === undefined || saved === null) return result;
  if (!Array.isArray(saved)) return { entries: [], problems: ['The saved custom models are not a list and were ignored.'] };
  const ids = new Set<string>();
  for (const spec of saved) {
    try {
      if (typeof spec !== 'object' || spec === null) throw new Error('not an object');
      const entry = buildCustomModel(spec as CustomModelSpec);
      // Ids name models in settings and caches: a second spec of the same name (edited storage) is not loaded.
      if (ids.has(entry.id.toLowerCase())) throw new Error('another saved model has this name; this one was not loaded');
      ids.add(entry.id.toLowerCase());
      result.entries.push(entry);
    } catch (error) {
      const name = (spec as { name?: unknown } | null)?.name;
      result.problems.push(`Saved model ${typeof name === 'string' ? `"${name}"` : '(unnamed)'}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return result;
}
