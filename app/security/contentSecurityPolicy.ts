/**
 * The app's Content-Security-Policy: the privacy promise ("once the models are cached, no request to any origin
 * but the app's own") enforced by the browser, not only by the code. The production build carries it in a <meta>
 * tag (any static host serves it); `vite` and `vite preview` also send it as a header, which alone can forbid
 * framing (`frame-ancestors` is ignored in <meta>).
 *
 * A policy is fixed when the page loads, so the model sources are decided at build/serve time:
 * - remote mode (no VITE_MODEL_BASE_URL, the default): the hosts the catalog downloads from (Hugging Face and the
 *   CDNs it redirects to, web-llm's model libraries on GitHub);
 * - local-files mode (VITE_MODEL_BASE_URL=/models/): this origin only;
 * - in both, the default OpenAI-compatible server (`npm run serve:openai`, 127.0.0.1:8089) and whatever
 *   VITE_CSP_CONNECT_SRC adds (space-separated origins: another server, the host of your own model URLs).
 */
import { CATALOG } from '../llm/catalog';

/** Hugging Face serves files from redirects to these; transformers.js loads embedding models from the hub. */
const HUGGING_FACE_SOURCES = ['https://huggingface.co', 'https://*.huggingface.co', 'https://*.hf.co'];
/** `serve:openai`'s default address, which the settings' server URL starts with. */
export const DEFAULT_LOCAL_SERVER_SOURCES = ['http://127.0.0.1:8089', 'http://localhost:8089'];

/** The origins of every URL the catalog downloads from. */
export function catalogModelSources(): string[] {
  const urls = CATALOG.flatMap((e) => (e.engine === 'wllama' ? [e.url] : [e.modelUrl, e.modelLibUrl]));
  return [...new Set([...HUGGING_FACE_SOURCES, ...urls.map((u) => new URL(u).origin)])].sort();
}

export interface PolicyOptions {
  /** `vite` (dev server: React refresh's inline preamble, HMR's websocket) or the production build. */
  mode: 'dev' | 'build';
  /** VITE_MODEL_BASE_URL: '' = remote sources; a path = this origin; an absolute URL = that origin. */
  modelBaseUrl: string;
  /** VITE_CSP_CONNECT_SRC, split. */
  extraConnectSources?: readonly string[];
  /** For a <meta> tag: without the directives browsers ignore there. */
  meta?: boolean;
}

export function contentSecurityPolicy(options: PolicyOptions): string {
  const base = options.modelBaseUrl.trim();
  const modelSources = !base ? catalogModelSources() : /^https?:\/\//i.test(base) ? [new URL(base).origin] : [];
  const connect = ["'self'", ...modelSources, ...DEFAULT_LOCAL_SERVER_SOURCES, ...(options.extraConnectSources ?? [])];
  // onnxruntime-web (the embedding model) imports its WebAssembly glue from a blob: URL it makes itself.
  const script = ["'self'", "'wasm-unsafe-eval'", 'blob:'];
  if (options.mode === 'dev') {
    // Vite's dev server only: React refresh's inline preamble and the HMR websocket.
    script.push("'unsafe-inline'");
    connect.push('ws://localhost:*', 'ws://127.0.0.1:*');
  }
  const directives: [string, string[]][] = [
    ['default-src', ["'self'"]],
    ['script-src', script],
    // wllama starts its worker from a blob: URL.
    ['worker-src', ["'self'", 'blob:']],
    ['connect-src', [...new Set(connect)]],
    ['img-src', ["'self'", 'data:', 'blob:']],
    // Vite injects <style> in dev; React sets style attributes.
    ['style-src', ["'self'", "'unsafe-inline'"]],
    ['font-src', ["'self'", 'data:']],
    ['object-src', ["'none'"]],
    ['base-uri', ["'self'"]],
    ['form-action', ["'self'"]],
  ];
  if (!options.meta) directives.push(['frame-ancestors', ["'none'"]]);
  return directives.map(([name, values]) => `${name} ${values.join(' ')}`).join('; ');
}

export function splitSources(value: string | undefined): string[] {
  return (value ?? '').split(/\s+/).filter(Boolean);
}
