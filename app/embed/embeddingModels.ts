/**
 * The embedding models the app offers: transformers.js feature-extraction models, run as q8 ONNX
 * (`onnx/model_quantized.onnx`). Measured numbers come from shared/models/README.md.
 */

/** How token vectors become one sentence vector (always followed by L2 normalization). */
export type EmbeddingPooling = 'cls' | 'mean';

export interface EmbeddingModelInfo {
  /** Hugging Face repo id; also the folder name under a local `transformers/` model folder. */
  readonly id: string;
  /** Short human label for pickers. */
  readonly label: string;
  /** One line on why you would pick it. */
  readonly description: string;
  /** Length of each embedding vector. */
  readonly dims: number;
  readonly pooling: EmbeddingPooling;
  /** Exact size of `onnx/model_quantized.onnx` (the q8 weights), the bulk of the download. */
  readonly onnxBytes: number;
  /** Approximate first-load download: the q8 ONNX file plus tokenizer.json (~0.7 MB) and the small JSON configs. */
  readonly approxDownloadBytes: number;
}

/** tokenizer.json (~711 KB for both BERT vocabularies) plus config.json / tokenizer_config.json. */
const TOKENIZER_AND_CONFIG_BYTES = 715_000;

export const EMBEDDING_MODELS = [
  {
    id: 'Xenova/bge-small-en-v1.5',
    label: 'BGE small (en v1.5)',
    description: 'Best retrieval quality of the two on LoCoMo evidence recall.',
    dims: 384,
    pooling: 'cls',
    onnxBytes: 34_014_426,
    approxDownloadBytes: 34_014_426 + TOKENIZER_AND_CONFIG_BYTES,
  },
  {
    id: 'Xenova/all-MiniLM-L6-v2',
    label: 'MiniLM L6 (all-MiniLM-L6-v2)',
    description: 'Smaller download and faster to embed; weaker retrieval than bge-small.',
    dims: 384,
    pooling: 'mean',
    onnxBytes: 22_972_370,
    approxDownloadBytes: 22_972_370 + TOKENIZER_AND_CONFIG_BYTES,
  },
] as const satisfies readonly EmbeddingModelInfo[];

export type EmbeddingModelId = (typeof EMBEDDING_MODELS)[number]['id'];

/** bge-small-en-v1.5: the better LoCoMo evidence recall of the two (`npm run bench:recall` measures it). */
export const DEFAULT_EMBEDDING_MODEL_ID: EmbeddingModelId = 'Xenova/bge-small-en-v1.5';

/** The smaller choice. */
export const SMALL_EMBEDDING_MODEL_ID: EmbeddingModelId = 'Xenova/all-MiniLM-L6-v2';

export function isEmbeddingModelId(id: unknown): id is EmbeddingModelId {
  return typeof id === 'string' && EMBEDDING_MODELS.some((m) => m.id === id);
}

/** The catalog entry for `id`; throws a clear Error for an id the catalog does not know. */
export function getEmbeddingModel(id: string): EmbeddingModelInfo {
  const model = EMBEDDING_MODELS.find((m) => m.id === id);
  if (!model) {
    throw new Error(`Unknown embedding model "${id}". Known models: ${EMBEDDING_MODELS.map((m) => m.id).join(', ')}.`);
  }
  return model;
}
