/**
 * LoCoMo evaluation and GRPO rollouts from the command line, on the same code the app's Evaluation page runs.
 *
 *   npm run eval -- --data locomo10.json --split test --pipeline ours,mem0,rag,full \
 *     --backend openai --base-url http://127.0.0.1:8080/v1 --model <id> \
 *     [--judge-backend openai --judge-base-url … --judge-model …] [--no-judge] \
 *     [--limit N] [--max-turns N] [--out results.json]
 *   npm run eval -- --backend gguf --model models/gguf/SmolLM2-135M-Instruct.Q4_1.gguf …
 *   npm run eval -- rollouts --data locomo10.json --split train --policy answer,manager --group-size 4 \
 *     --backend gguf --model <file.gguf> --out rollouts.jsonl
 *
 * Results: `<out>` (JSON: config, per-pipeline summaries, every question) and `<out minus .json>.md` (the table).
 * Resumable: progress is checkpointed to `<out>.checkpoint.json` after every ingested chunk and every answer; run
 * the same command again after a kill and it continues (a checkpoint from other options is refused; `--fresh`
 * discards it). The bank lives in memory (fake-indexeddb), so nothing touches a browser profile.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as transformers from '@huggingface/transformers';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { createEmbedder, type Embedder } from '../app/embed/embedder';
import { openEvalBank, type EvalBank } from '../app/eval/evalBank';
import { markdownTable } from '../app/eval/evalResults';
import { runEvaluation, type EvalCheckpoint, type EvalReport, type EvalRunConfig } from '../app/eval/evalRunner';
import { createLlmJudge } from '../app/eval/judge';
import { parseLocomo } from '../app/eval/locomo';
import { DEFAULT_PIPELINE_SETTINGS } from '../app/eval/pipelines/evalPipeline';
import { parsePipelineList } from '../app/eval/pipelines/pipelines';
import { collectRollouts, type RolloutPolicyChoice } from '../app/eval/rollouts';
import { toJsonl } from '../app/eval/grpo';
import { isEvalSplit, selectSplit } from '../app/eval/splits';
import { withoutPromptCache } from '../app/eval/withoutPromptCache';
import { createNodeLlamaCppClient } from '../app/llm/nodeLlamaCppClient';
import { createOpenAICompatibleClient } from '../app/llm/openaiCompatibleClient';
import type { ChatMessage, LLMClient } from '../app/llm/types';
import { BGE_SMALL_MODEL_ID, LOCAL_TRANSFORMERS_DIR } from './test-models';

const OPTIONS = {
  data: { type: 'string' },
  split: { type: 'string', default: 'test' },
  pipeline: { type: 'string', default: 'ours,mem0,rag,full' },
  backend: { type: 'string', default: 'gguf' },
  'base-url': { type: 'string' },
  model: { type: 'string' },
  'api-key': { type: 'string' },
  'judge-backend': { type: 'string' },
  'judge-base-url': { type: 'string' },
  'judge-model': { type: 'string' },
  'judge-api-key': { type: 'string' },
  'no-judge': { type: 'boolean', default: false },
  limit: { type: 'string' },
  'max-turns': { type: 'string' },
  'top-k': { type: 'string' },
  'per-speaker-k': { type: 'string' },
  'context-tokens': { type: 'string' },
  'embedding-model': { type: 'string', default: BGE_SMALL_MODEL_ID },
  'embedding-dir': { type: 'string' },
  out: { type: 'string' },
  checkpoint: { type: 'string' },
  fresh: { type: 'boolean', default: false },
  policy: { type: 'string', default: 'answer,manager' },
  'group-size': { type: 'string', default: '4' },
  threads: { type: 'string' },
  'no-prompt-cache': { type: 'boolean', default: false },
  quiet: { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
} as const;

const USAGE = `usage: npm run eval -- [rollouts] --data <locomo.json> [--split test|val|train|all]
  --backend gguf --model <file.gguf>  |  --backend openai --base-url <url> --model <id> [--api-key …]
  [--judge-backend gguf|openai --judge-base-url … --judge-model …] [--no-judge]
  [--pipeline ours,mem0,rag,full] [--limit N] [--max-turns N] [--top-k 10] [--per-speaker-k 30] [--context-tokens N]
  [--out results.json] [--checkpoint file] [--fresh] [--threads N (gguf)] [--no-prompt-cache] [--quiet]
  rollouts: [--policy answer,manager] [--group-size 4] [--out rollouts.jsonl]`;

export class UsageError extends Error {}

function positive(name: string, value: string | undefined): number | null {
  if (value === undefined) return null;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive whole number, got "${value}"`);
  return n;
}

interface ClientSpec {
  /** gguf: CPU threads (1 is fastest on a busy machine: llama.cpp's threads spin-wait on each other). */
  threads?: number | null;
  backend: string;
  baseUrl: string | undefined;
  model: string | undefined;
  apiKey: string | undefined;
}

async function openClient(spec: ClientSpec, role: string): Promise<LLMClient> {
  if (spec.backend === 'gguf') {
    if (!spec.model) throw new UsageError(`${role}: --backend gguf needs --model <file.gguf>`);
    return createNodeLlamaCppClient({ modelPath: spec.model, ...(spec.threads ? { threads: spec.threads } : {}) });
  }
  if (spec.backend === 'openai') {
    if (!spec.baseUrl || !spec.model) throw new UsageError(`${role}: --backend openai needs --base-url and --model`);
    return createOpenAICompatibleClient({ baseUrl: spec.baseUrl, model: spec.model, ...(spec.apiKey ? { apiKey: spec.apiKey } : {}) });
  }
  throw new UsageError(`${role}: unknown backend "${spec.backend}" (gguf or openai)`);
}

/** A progress bar on stderr; one line per 5% when stderr is not a terminal (CI logs). */
export function progressBar(quiet: boolean): (done: number, total: number, what: string) => void {
  const started = Date.now();
  let lastPct = -1;
  return (done, total, what) => {
    if (quiet) return;
    const frac = total === 0 ? 1 : done / total;
    const elapsed = (Date.now() - started) / 1000;
    const eta = done > 0 ? (elapsed / done) * (total - done) : 0;
    const bar = `${'#'.repeat(Math.round(frac * 30)).padEnd(30, '.')}`;
    const line = `[${bar}] ${done}/${total} ${(100 * frac).toFixed(0)}% ${what} · ${elapsed.toFixed(0)}s elapsed, ~${eta.toFixed(0)}s left`;
    if (process.stderr.isTTY) process.stderr.write(`\r${line.slice(0, (process.stderr.columns || 120) - 1).padEnd((process.stderr.columns || 120) - 1)}`);
    else if (Math.floor(frac * 20) !== lastPct) {
      lastPct = Math.floor(frac * 20);
      process.stderr.write(`${line}\n`);
    }
    if (done === total && process.stderr.isTTY) process.stderr.write('\n');
  };
}

function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

let bankCounter = 0;
function openMemoryBank(dims: number, name: string): Promise<EvalBank> {
  bankCounter += 1;
  return openEvalBank({ name: `${name}-${process.pid}-${bankCounter}`, dims, indexedDB: { indexedDB, IDBKeyRange } });
}

export interface CliOutcome {
  report?: EvalReport;
  rolloutRows?: number;
}

export async function main(argv: string[]): Promise<CliOutcome> {
  const [first, ...rest] = argv;
  const command = first === 'rollouts' ? 'rollouts' : 'evaluate';
  const { values } = parseArgs({ args: command === 'rollouts' ? rest : argv, options: OPTIONS, allowPositionals: false });
  if (values.help) {
    console.log(USAGE);
    return {};
  }
  if (!values.data) throw new UsageError('--data <locomo.json> is required');
  if (!isEvalSplit(values.split)) throw new UsageError(`--split must be test, val, train or all, got "${values.split}"`);
  const text = readFileSync(values.data, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${values.data} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const conversations = selectSplit(parseLocomo(json), values.split);
  const limit = positive('limit', values.limit);
  const maxTurns = positive('max-turns', values['max-turns']);

  const threads = positive('threads', values.threads);
  const engine = await openClient({ threads, backend: values.backend, baseUrl: values['base-url'], model: values.model, apiKey: values['api-key'] }, 'model under test');
  // --no-prompt-cache: bit-for-bit reproducible greedy replies (see withoutPromptCache.ts), at the cost of re-reading prompts.
  const llm = values['no-prompt-cache'] ? withoutPromptCache(engine) : engine;
  let judgeLlm: LLMClient | null = null;
  let embedder: Embedder | null = null;
  const banks: EvalBank[] = [];
  try {
    const embeddingDir = values['embedding-dir'] ?? (existsSync(path.join(LOCAL_TRANSFORMERS_DIR, values['embedding-model'])) ? LOCAL_TRANSFORMERS_DIR : undefined);
    embedder = await createEmbedder(transformers, { modelId: values['embedding-model'], ...(embeddingDir ? { localModelBaseUrl: embeddingDir } : {}) });
    const dims = embedder.dims;
    const progress = progressBar(values.quiet);

    if (command === 'rollouts') {
      const policies = values.policy.split(',').map((p) => p.trim()) as RolloutPolicyChoice[];
      for (const p of policies) if (p !== 'answer' && p !== 'manager') throw new UsageError(`--policy takes answer and/or manager, got "${p}"`);
      const groupSize = positive('group-size', values['group-size'])!;
      const bank = await openMemoryBank(dims, 'rollouts');
      banks.push(bank);
      const collected = await collectRollouts({
        conversations,
        policies,
        groupSize,
        maxTurns,
        limit,
        perSpeakerK: positive('per-speaker-k', values['per-speaker-k']) ?? DEFAULT_PIPELINE_SETTINGS.perSpeakerK,
        deps: { llm, embedder, openCopy: (name) => openMemoryBank(dims, name) },
        bank,
        onProgress: progress,
      });
      const out = values.out ?? 'rollouts.jsonl';
      writeAtomically(out, toJsonl(collected.rows));
      console.log(`${collected.rows.length} rows in ${collected.groups.length} groups → ${out}`);
      for (const s of collected.skipped) console.log(`skipped ${s.turnId}: ${s.reason}`);
      return { rolloutRows: collected.rows.length };
    }

    const pipelines = parsePipelineList(values.pipeline);
    if (!values['no-judge'] && (values['judge-base-url'] || values['judge-model'] || values['judge-backend'])) {
      judgeLlm = await openClient(
        { threads, backend: values['judge-backend'] ?? values.backend, baseUrl: values['judge-base-url'] ?? values['base-url'], model: values['judge-model'] ?? values.model, apiKey: values['judge-api-key'] ?? values['api-key'] },
        'judge',
      );
    }
    const judgeClient = values['no-judge'] ? null : (judgeLlm ?? llm);
    const contextTokens = positive('context-tokens', values['context-tokens']) ?? ('contextSize' in engine ? (engine as { contextSize: number }).contextSize : DEFAULT_PIPELINE_SETTINGS.contextTokens);
    const config: EvalRunConfig = {
      data: `${path.basename(values.data)}#${createHash('sha256').update(text).digest('hex').slice(0, 16)}`,
      split: values.split,
      pipelines,
      limit,
      maxTurns,
      settings: {
        topK: positive('top-k', values['top-k']) ?? DEFAULT_PIPELINE_SETTINGS.topK,
        perSpeakerK: positive('per-speaker-k', values['per-speaker-k']) ?? DEFAULT_PIPELINE_SETTINGS.perSpeakerK,
        contextTokens,
      },
      model: llm.modelId,
      judgeModel: judgeClient?.modelId ?? null,
    };
    const out = values.out ?? 'eval-results.json';
    const checkpointFile = values.checkpoint ?? `${out}.checkpoint.json`;
    if (values.fresh) rmSync(checkpointFile, { force: true });
    const checkpoint = existsSync(checkpointFile) ? (JSON.parse(readFileSync(checkpointFile, 'utf8')) as EvalCheckpoint) : null;
    if (checkpoint && !values.quiet) console.error(`resuming from ${checkpointFile}: ${checkpoint.results.length} answers done`);

    const bank = await openMemoryBank(dims, 'eval');
    banks.push(bank);
    const countPromptTokens = 'countPromptTokens' in engine ? (messages: ChatMessage[]) => (engine as { countPromptTokens(m: ChatMessage[]): number }).countPromptTokens(messages) : undefined;
    const report = await runEvaluation({
      conversations,
      config,
      deps: { llm, embedder, ...(countPromptTokens ? { countPromptTokens } : {}) },
      evalBank: bank,
      judge: judgeClient ? createLlmJudge(judgeClient) : null,
      checkpoint,
      saveCheckpoint: (cp) => writeAtomically(checkpointFile, JSON.stringify(cp)),
      onProgress: (p) => progress(p.done, p.total, `${p.pipeline} ${p.sampleId} ${p.phase}`),
    });
    writeAtomically(out, JSON.stringify(report, null, 2));
    const table = markdownTable(report.summaries);
    const mdFile = out.replace(/\.json$/i, '') + '.md';
    writeAtomically(mdFile, `# LoCoMo evaluation\n\n${config.data}, split ${config.split}, model ${config.model}, judge ${config.judgeModel ?? 'none'}; ${report.questions} questions\n\n${table}\n`);
    rmSync(checkpointFile, { force: true });
    if (!values.quiet) console.log(`${table}\n\nresults → ${out}, table → ${mdFile}`);
    return { report };
  } finally {
    for (const b of banks) b.close();
    await embedder?.dispose();
    await judgeLlm?.dispose();
    await llm.dispose();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof UsageError ? `${error.message}\n${USAGE}` : error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
