/**
 * LoCoMo evaluation and GRPO rollouts from the command line, on the same code the app's Evaluation page runs.
 *
 *   npm run eval -- --data locomo10.json --split test --pipeline ours,mem0,rag,full \
 *     --backend openai --base-url http://127.0.0.1:8080/v1 --model <id> \
 *     --judge-model <id> [--judge-base-url …] | --judge self | --no-judge \
 *     [--limit N] [--max-turns N] [--prompt-cache] [--out results.json]
 *   npm run eval -- --backend gguf --model models/gguf/SmolLM2-135M-Instruct.Q4_1.gguf …
 *   npm run eval -- rollouts --data locomo10.json --split train --policy answer,manager --group-size 4 \
 *     --backend gguf --model <file.gguf> --out rollouts.jsonl
 *
 * `npm run eval -- --help` documents every flag. Results: `<out>` (JSON: config, per-pipeline summaries, every
 * question) and `<out minus .json>.md` (what ran, the judge, the prompt cache, skipped questions by reason, the table).
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
import { type EvalBank, openEvalBank } from '../app/eval/evalBank';
import { markdownReport } from '../app/eval/evalResults';
import { type EvalCheckpoint, type EvalReport, type EvalRunConfig, forScoring, runEvaluation } from '../app/eval/evalRunner';
import { toJsonl } from '../app/eval/grpo';
import { createLlmJudge } from '../app/eval/judge';
import { parseLocomo } from '../app/eval/locomo';
import { DEFAULT_PIPELINE_SETTINGS, PIPELINE_NAMES } from '../app/eval/pipelines/evalPipeline';
import { parsePipelineList } from '../app/eval/pipelines/pipelines';
import { collectRollouts, type RolloutPolicyChoice } from '../app/eval/rollouts';
import { isEvalSplit, selectSplit } from '../app/eval/splits';
import { createNodeLlamaCppClient } from '../app/llm/nodeLlamaCppClient';
import { createOpenAICompatibleClient } from '../app/llm/openaiCompatibleClient';
import type { ChatMessage, LLMClient } from '../app/llm/types';
import { BGE_SMALL_MODEL_ID, LOCAL_TRANSFORMERS_DIR } from './test-models';

export const OPTIONS = {
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
  judge: { type: 'string' },
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
  reward: { type: 'string', default: 'em' },
  'answer-model': { type: 'string' },
  threads: { type: 'string' },
  'prompt-cache': { type: 'boolean', default: false },
  'no-prompt-cache': { type: 'boolean', default: false },
  quiet: { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
} as const;

export const USAGE = `LoCoMo evaluation and GRPO rollouts on the app's own pipelines.

usage: npm run eval -- --data <locomo.json> <model> <judge> [options]
       npm run eval -- rollouts --data <locomo.json> <model> [rollout options]

data
  --data FILE              LoCoMo-format JSON (locomo10.json or a file in its format). Required.
  --split S                test (default) | val | train | all. Memory-R1's split: train conv-26, val conv-30,
                           test the other eight.
  --limit N                score at most N questions over the whole split (the rest count as "over --limit").
  --max-turns N            ingest only the first N turns of each conversation; questions whose evidence lies
                           beyond them, or that list no evidence, are skipped and counted by reason.

model under test
  --backend gguf|openai    gguf (default): a local GGUF through node-llama-cpp; openai: an OpenAI-compatible server.
  --model M                gguf: the .gguf file; openai: the model id. Required.
  --base-url URL           openai: the server's /v1 URL.
  --api-key KEY            openai: bearer token, if the server wants one.
  --threads N              gguf: CPU threads (1 is fastest on a shared machine: llama.cpp's threads spin-wait).
  --prompt-cache           reuse llama.cpp's prompt cache between calls: faster, but a greedy reply can change by
                           a token depending on what was served before, so two runs may differ. Off by default:
                           every prompt is read in full and the same run gives the same scores. The report says
                           which. (--no-prompt-cache, the default, is accepted for older scripts.)

judge (J): one of these is required; the model under test is never the judge unless you say so
  --judge-model M          the judge model (with --judge-backend/--judge-base-url/--judge-api-key when it is not
                           on the same backend and server as the model under test).
  --judge-backend B        gguf | openai for the judge (default: --backend).
  --judge-base-url URL     the judge's OpenAI-compatible /v1 URL (default: --base-url).
  --judge-api-key KEY      the judge's bearer token (default: --api-key).
  --judge self             the model under test grades its own answers (a small model tends to call all CORRECT).
  --no-judge               no J column.

pipelines and retrieval
  --pipeline LIST          comma-separated, of: ${PIPELINE_NAMES.join(', ')} (default: ours,mem0,rag,full).
  --top-k N                memories or lines retrieved per question (default 10).
  --per-speaker-k N        ours/mem0: memories retrieved per speaker (default 30).
  --context-tokens N       the prompt budget (default: the engine's context size).
  --embedding-model ID     transformers.js embedding model (default: bge-small, from models/ when present).
  --embedding-dir DIR      where its files are.

output and resuming
  --out FILE               results JSON (default eval-results.json); the Markdown report goes beside it (.md).
  --checkpoint FILE        progress file (default <out>.checkpoint.json); run the same command again after a
                           kill and it continues. A checkpoint made with other options is refused.
  --fresh                  discard the checkpoint and start over.
  --quiet                  no progress bar and no summary on the console.
  --help                   this text.

rollouts (GRPO training data)
  --policy LIST            answer and/or manager (default answer,manager).
  --group-size N           rollouts per prompt (default 4).
  --reward em|f1           a sample's reward: exact match (default, Memory-R1's) or Mem0's token F1 (for small
                           models, whose groups otherwise all earn 0).
  --answer-model M         the frozen Answer Agent that scores the Memory Manager's samples (Memory-R1 trains the
                           manager against a fixed answerer): a GGUF file, or a model name on --base-url; default
                           the model under test.
  --out FILE               JSONL (default rollouts.jsonl).

examples
  npm run eval -- --data locomo10.json --split val --model models/gguf/SmolLM2-135M-Instruct.Q4_1.gguf \\
    --judge self --limit 5 --max-turns 40 --pipeline ours,rag
  npm run eval -- --data locomo10.json --backend openai --base-url http://127.0.0.1:8080/v1 --model qwen2.5-7b \\
    --judge-model gpt-4o-mini --judge-base-url https://api.example.com/v1 --judge-api-key $KEY --out test.json
  npm run eval -- rollouts --data locomo10.json --split train --model models/gguf/SmolLM2-135M-Instruct.Q4_1.gguf \\
    --group-size 4 --out rollouts.jsonl`;

export class UsageError extends Error {}

/** The judge must be named: a separate model, the model under test on purpose (`--judge self`), or none. */
export function chooseJudge(values: {
  judge?: string | undefined;
  'no-judge'?: boolean;
  'judge-model'?: string | undefined;
  'judge-base-url'?: string | undefined;
  'judge-backend'?: string | undefined;
}): 'separate' | 'self' | 'none' {
  const separate = values['judge-model'] !== undefined || values['judge-base-url'] !== undefined || values['judge-backend'] !== undefined;
  const chosen = [separate && '--judge-model', values.judge !== undefined && `--judge ${values.judge}`, values['no-judge'] && '--no-judge'].filter(Boolean);
  if (values.judge !== undefined && values.judge !== 'self')
    throw new UsageError(
      `--judge takes only "self" (the model under test grades its own answers); name another judge with --judge-model, got "${values.judge}"`,
    );
  if (chosen.length > 1) throw new UsageError(`choose one judge: ${chosen.join(' and ')} contradict each other`);
  if (chosen.length === 0)
    throw new UsageError(
      'name the judge: --judge-model <id> [--judge-base-url <url>], --judge self (the model under test grades its own answers), or --no-judge',
    );
  if (separate && values['judge-model'] === undefined) throw new UsageError('--judge-base-url/--judge-backend need --judge-model <id>');
  return values['no-judge'] ? 'none' : values.judge === 'self' ? 'self' : 'separate';
}

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
  if (command === 'evaluate' && values['answer-model']) throw new UsageError('--answer-model is a rollouts option (npm run eval -- rollouts …)');
  if (values['answer-model'] && values.backend === 'gguf' && !existsSync(values['answer-model']))
    throw new UsageError(`--answer-model: no such GGUF file: ${values['answer-model']}`);
  // Checked before any model loads: a run with an unnamed judge is refused at once.
  const judgeChoice = command === 'evaluate' ? chooseJudge(values) : 'none';
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
  const engine = await openClient(
    { threads, backend: values.backend, baseUrl: values['base-url'], model: values.model, apiKey: values['api-key'] },
    'model under test',
  );
  if (values['prompt-cache'] && values['no-prompt-cache']) throw new UsageError('--prompt-cache and --no-prompt-cache contradict each other');
  // Off unless asked: bit-for-bit reproducible greedy replies (withoutPromptCache.ts), at the cost of re-reading prompts.
  const promptCache = values['prompt-cache'];
  const llm = forScoring(engine, promptCache);
  let judgeLlm: LLMClient | null = null;
  let answerLlm: LLMClient | null = null;
  let embedder: Embedder | null = null;
  const banks: EvalBank[] = [];
  try {
    const embeddingDir =
      values['embedding-dir'] ?? (existsSync(path.join(LOCAL_TRANSFORMERS_DIR, values['embedding-model'])) ? LOCAL_TRANSFORMERS_DIR : undefined);
    embedder = await createEmbedder(transformers, { modelId: values['embedding-model'], ...(embeddingDir ? { localModelBaseUrl: embeddingDir } : {}) });
    const dims = embedder.dims;
    const progress = progressBar(values.quiet);

    if (command === 'rollouts') {
      const policies = values.policy.split(',').map((p) => p.trim()) as RolloutPolicyChoice[];
      for (const p of policies) if (p !== 'answer' && p !== 'manager') throw new UsageError(`--policy takes answer and/or manager, got "${p}"`);
      const groupSize = positive('group-size', values['group-size'])!;
      if (values.reward !== 'em' && values.reward !== 'f1') throw new UsageError(`--reward takes em or f1, got "${values.reward}"`);
      if (values['answer-model']) {
        answerLlm = forScoring(
          await openClient(
            { threads, backend: values.backend, baseUrl: values['base-url'], model: values['answer-model'], apiKey: values['api-key'] },
            'frozen Answer Agent (--answer-model)',
          ),
          promptCache,
        );
      }
      const bank = await openMemoryBank(dims, 'rollouts');
      banks.push(bank);
      const collected = await collectRollouts({
        conversations,
        policies,
        groupSize,
        maxTurns,
        limit,
        perSpeakerK: positive('per-speaker-k', values['per-speaker-k']) ?? DEFAULT_PIPELINE_SETTINGS.perSpeakerK,
        reward: values.reward === 'f1' ? 'token-f1' : 'exact-match',
        deps: { llm, embedder, openCopy: (name) => openMemoryBank(dims, name), ...(answerLlm ? { answerLlm } : {}) },
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
    if (judgeChoice === 'separate') {
      judgeLlm = forScoring(
        await openClient(
          {
            threads,
            backend: values['judge-backend'] ?? values.backend,
            baseUrl: values['judge-base-url'] ?? values['base-url'],
            model: values['judge-model'],
            apiKey: values['judge-api-key'] ?? values['api-key'],
          },
          'judge',
        ),
        promptCache,
      );
    }
    const judgeClient = judgeChoice === 'none' ? null : judgeChoice === 'self' ? llm : judgeLlm;
    const contextTokens =
      positive('context-tokens', values['context-tokens']) ??
      ('contextSize' in engine ? (engine as { contextSize: number }).contextSize : DEFAULT_PIPELINE_SETTINGS.contextTokens);
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
      promptCache,
    };
    const out = values.out ?? 'eval-results.json';
    const checkpointFile = values.checkpoint ?? `${out}.checkpoint.json`;
    if (values.fresh) rmSync(checkpointFile, { force: true });
    const checkpoint = existsSync(checkpointFile) ? (JSON.parse(readFileSync(checkpointFile, 'utf8')) as EvalCheckpoint) : null;
    if (checkpoint && !values.quiet) console.error(`resuming from ${checkpointFile}: ${checkpoint.results.length} answers done`);

    const bank = await openMemoryBank(dims, 'eval');
    banks.push(bank);
    const countPromptTokens =
      'countPromptTokens' in engine
        ? (messages: ChatMessage[]) => (engine as { countPromptTokens(m: ChatMessage[]): number }).countPromptTokens(messages)
        : undefined;
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
    const markdown = markdownReport(report);
    const mdFile = `${out.replace(/\.json$/i, '')}.md`;
    writeAtomically(mdFile, markdown);
    rmSync(checkpointFile, { force: true });
    if (!values.quiet) console.log(`${markdown}\nresults → ${out}, report → ${mdFile}`);
    return { report };
  } finally {
    for (const b of banks) b.close();
    await embedder?.dispose();
    await judgeLlm?.dispose();
    await answerLlm?.dispose();
    await llm.dispose();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof UsageError ? `${error.message}\n${USAGE}` : error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
