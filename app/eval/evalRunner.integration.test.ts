/**
 * The runner on the REAL models (SmolLM2-135M GGUF through node-llama-cpp at temperature 0, bge-small): a run
 * stopped mid-ingestion and resumed from its checkpoint gives the same results as one that was never stopped.
 * conv-30's first 2 turns, the question they answer, ours and rag. One CPU thread: llama.cpp's threads spin-wait on each other
 * and crawl when the machine is shared. Prompts are read without the prompt cache (`promptCache: false`, the default).
 */
import * as transformers from '@huggingface/transformers';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertTestModelsPresent, BGE_SMALL_MODEL_ID, LOCAL_TRANSFORMERS_DIR, TEST_CHAT_GGUF_PATH } from '../../scripts/test-models';
import { createEmbedder, type Embedder } from '../embed/embedder';
import { createNodeLlamaCppClient, type NodeLlamaCppClient } from '../llm/nodeLlamaCppClient';
import { type EvalBank, openEvalBank } from './evalBank';
import { markdownTable, type QuestionResult } from './evalResults';
import { type EvalCheckpoint, type EvalRunConfig, runEvaluation } from './evalRunner';
import { readLocomoFixture } from './fixtures/locomoFixture';
import { createLlmJudge } from './judge';
import { DEFAULT_PIPELINE_SETTINGS } from './pipelines/evalPipeline';
import { selectSplit } from './splits';

const conversations = selectSplit(readLocomoFixture(), 'val');

describe('evaluation runner on the real models', () => {
  let llm: NodeLlamaCppClient;
  let embedder: Embedder;
  const banks: EvalBank[] = [];
  let n = 0;
  const openBank = async (clock: number) => {
    n += 1;
    const bank = await openEvalBank({
      name: `runner-test-${process.pid}-${n}`,
      dims: embedder.dims,
      indexedDB: { indexedDB, IDBKeyRange },
      state: { nextId: 1, clock },
    });
    banks.push(bank);
    return bank;
  };

  beforeAll(async () => {
    assertTestModelsPresent();
    llm = await createNodeLlamaCppClient({ modelPath: TEST_CHAT_GGUF_PATH, threads: 1 });
    embedder = await createEmbedder(transformers, { modelId: BGE_SMALL_MODEL_ID, localModelBaseUrl: LOCAL_TRANSFORMERS_DIR });
  });

  afterAll(async () => {
    for (const b of banks) b.close();
    await llm?.dispose();
    await embedder?.dispose();
  });

  const withoutTimes = (results: readonly QuestionResult[]) => results.map(({ latencyMs: _latency, ...rest }) => rest);

  // ~10 model calls in all: past the default limit when other work shares the 2 cores.
  it('a run stopped mid-ingestion and resumed from its checkpoint equals an uninterrupted run', { timeout: 360_000 }, async () => {
    const config: EvalRunConfig = {
      data: 'locomo-fixture',
      split: 'val',
      pipelines: ['ours', 'rag'],
      limit: 1,
      maxTurns: 2,
      settings: { ...DEFAULT_PIPELINE_SETTINGS, contextTokens: llm.contextSize },
      model: llm.modelId,
      judgeModel: null,
      // Every prompt read in full: llama.cpp's prompt cache can change a greedy token (see withoutPromptCache.ts).
      promptCache: false,
    };
    const deps = { llm, embedder, countPromptTokens: (m: Parameters<NodeLlamaCppClient['countPromptTokens']>[0]) => llm.countPromptTokens(m) };

    const whole = await runEvaluation({ conversations, config, deps, evalBank: await openBank(1_700_000_000_000), judge: null, ingestChunkTurns: 1 });
    expect(whole.results.map((r) => `${r.pipeline}/${r.index}`)).toEqual(['ours/0', 'rag/0']);
    for (const r of whole.results) {
      expect(r.prediction.length).toBeGreaterThan(0);
      expect(r.tokens.promptTokens).toBeGreaterThan(0);
      expect(r.scores.f1).toBeGreaterThanOrEqual(0);
    }
    // rag showed the stored turns; ours answered from what its Memory Manager stored.
    expect(whole.results.find((r) => r.pipeline === 'rag')!.shown).toBeGreaterThan(0);
    expect(whole.summaries.find((s) => s.pipeline === 'ours')!.ingest!.turns).toBe(2);

    // Stopped after ours has ingested 1 of its 2 turns: the checkpoint holds that bank and no answer yet.
    let saved = '';
    const stop = new AbortController();
    await expect(
      runEvaluation({
        conversations,
        config,
        deps,
        evalBank: await openBank(1_700_000_000_000),
        judge: null,
        ingestChunkTurns: 1,
        saveCheckpoint: (cp) => {
          saved = JSON.stringify(cp);
        },
        onProgress: (p) => {
          if (p.phase === 'ingest' && p.done === 1) stop.abort(new Error('killed'));
        },
        signal: stop.signal,
      }),
    ).rejects.toThrow('killed');
    const checkpoint = JSON.parse(saved) as EvalCheckpoint;
    expect(checkpoint.ingest['ours/conv-30']!.turnsDone).toBe(1);
    expect(checkpoint.results).toHaveLength(0);

    // A new process: another bank (another clock, which the checkpoint overrides), the checkpoint read back.
    const resumed = await runEvaluation({ conversations, config, deps, evalBank: await openBank(1), judge: null, checkpoint, ingestChunkTurns: 1 });
    expect(withoutTimes(resumed.results)).toEqual(withoutTimes(whole.results));
    expect(resumed.summaries.map((s) => s.ingest)).toEqual(whole.summaries.map((s) => s.ingest));
    expect(resumed.summaries.map((s) => s.overall)).toEqual(whole.summaries.map((s) => s.overall));
    console.info(`[eval runner, real model]\n${markdownTable(whole.summaries)}`);

    // The same checkpoint under other options is refused, not mixed in.
    await expect(runEvaluation({ conversations, config: { ...config, limit: 3 }, deps, evalBank: await openBank(1), judge: null, checkpoint })).rejects.toThrow(
      /different run \(limit: checkpoint 1, now 3\)/,
    );
  });

  it('the progress total counts only the work that will run: no ingestion of a conversation without a selected question', { timeout: 120_000 }, async () => {
    // Both conversations, one question: only the asking conversation's 2 turns are ingested, the other's are not.
    const all = selectSplit(readLocomoFixture(), 'all');
    expect(all.length).toBe(2);
    const config: EvalRunConfig = {
      data: 'locomo-dev',
      split: 'all',
      pipelines: ['rag'],
      limit: 1,
      maxTurns: 2,
      settings: { ...DEFAULT_PIPELINE_SETTINGS, contextTokens: llm.contextSize },
      model: llm.modelId,
      judgeModel: null,
      promptCache: false,
    };
    const seen: { done: number; total: number; sampleId: string }[] = [];
    const report = await runEvaluation({
      conversations: all,
      config,
      deps: { llm, embedder },
      evalBank: await openBank(1),
      judge: null,
      ingestChunkTurns: 1,
      onProgress: (p) => seen.push(p),
    });
    expect(report.results).toHaveLength(1);
    // 2 turns ingested + 1 answer; the second conversation (no question) adds nothing.
    expect(seen.map((p) => `${p.done}/${p.total}`)).toEqual(['1/3', '2/3', '3/3']);
    expect(new Set(seen.map((p) => p.sampleId))).toEqual(new Set([report.results[0]!.sampleId]));
  });

  it('the LLM judge returns one of its two labels under the schema', async () => {
    const verdict = await createLlmJudge(llm).judge('When did Omar lose his job?', '19 January, 2023', 'Omar lost it on January 19th 2023');
    expect(['CORRECT', 'WRONG']).toContain(verdict.label);
    expect(verdict.score === 1 || verdict.score === 0).toBe(true);
    expect(verdict.promptTokens).toBeGreaterThan(0);
    // Nothing to grade: WRONG without a model call.
    expect(await createLlmJudge(llm).judge('q', 'gold', '  ')).toMatchObject({ label: 'WRONG', promptTokens: 0 });
  });
});
