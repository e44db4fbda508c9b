/**
 * npm run bench:answer [-- --questions N --max-tokens N --conversation ID]
 *
 * Time to the first answer token in the browser without a GPU (headless Chromium, the app's wllama client, the
 * pinned SmolLM2-135M GGUF, all threads) for the same LoCoMo questions, in one run:
 * - baseline: the Answer Agent's prompt before the compact listing (answer-v1: `- [id] date: text` lines, a worked
 *   example, k = 60 as 30 per speaker in rank order; llama.cpp's prompt cache on, as the app had it, so only the
 *   fixed text is shared between questions);
 * - new: the Answer Agent as it is (compact listing, stable across questions, k = 60 as 30 per speaker, the latency
 *   budget off, the listing cap the wllama client's context share allows), on a freshly loaded engine.
 * The bank: LoCoMo's `observation` facts of one conversation (its authors' per-session facts), the stand-in for a
 * good Memory Manager's bank, in the real MemoryBank (fake-indexeddb in Node) with bge-small embeddings; retrieval
 * runs in Node, the model in the page. Evidence recall: the share of each question's evidence turns whose facts are
 * listed in the prompt (what is retrieved is the same in both; the new listing may add facts listed for earlier
 * questions, never drop one).
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as transformers from '@huggingface/transformers';
import type { Page } from '@playwright/test';
import { createAnswerAgent, memoryDate } from '../app/agent/answerAgent';
import { answerSchema } from '../app/agent/prompts/answerPrompt';
import { retrieveForQuestion } from '../app/agent/retrieveMemories';
import { openAgentTestBank, seedMemories } from '../app/agent/testing/agentTestBank';
import { createEmbedder } from '../app/embed/embedder';
import { parseLocomo } from '../app/eval/locomo';
import type { ChatMessage, CompletionOptions, LLMClient } from '../app/llm/types';
import { assertTestModelsPresent, LOCAL_TRANSFORMERS_DIR, TEST_CHAT_GGUF_RELATIVE_PATH } from '../scripts/test-models';
import { buildBaselineAnswerMessages } from './answerBaselinePrompt';
import type { PageCompletion } from './answerPage';
import { openBrowserBench } from './browserBench';

const { values } = parseArgs({
  options: {
    questions: { type: 'string', default: '20' },
    'max-tokens': { type: 'string', default: '16' },
    conversation: { type: 'string', default: 'conv-26' },
    data: { type: 'string', default: path.resolve(import.meta.dirname, '../../shared/datasets/locomo/locomo-dev.json') },
  },
});
const QUESTIONS = Math.max(1, Number(values.questions));
// Only the first token is timed; a short reply keeps the run short.
const MAX_TOKENS = Math.max(4, Number(values['max-tokens']));
const PER_SPEAKER_K = 30;

interface Measured {
  ttftMs: number;
  promptTokens: number;
  cachedTokens: number;
  recall: number;
  listed: number;
}

/**
 * An LLMClient whose calls run in the page's wllama client, with its context share (the listing cap follows it as
 * in the app); remembers the last call's time to first token.
 */
function pageClient(page: Page, promptContextTokens: number | undefined): LLMClient & { lastTtftMs: number } {
  const client = {
    engine: 'wllama' as const,
    modelId: 'SmolLM2-135M-Instruct-Q4_1',
    ...(promptContextTokens !== undefined ? { promptContextTokens } : {}),
    lastTtftMs: NaN,
    async complete(messages: ChatMessage[], options: CompletionOptions) {
      const { onToken: _t, signal: _s, ...plain } = options;
      const r = await page.evaluate(
        ([m, o]) => (globalThis as unknown as { benchComplete: (...a: unknown[]) => Promise<PageCompletion> }).benchComplete(m, o),
        [messages, plain] as const,
      );
      client.lastTtftMs = r.ttftMs;
      return r;
    },
    async dispose() {},
  };
  return client;
}

function recallOf(evidence: readonly string[], listedTurns: ReadonlySet<string>): number {
  if (evidence.length === 0) return NaN;
  return evidence.filter((e) => listedTurns.has(e)).length / evidence.length;
}

async function main() {
  assertTestModelsPresent();
  const conv = parseLocomo(JSON.parse(readFileSync(values.data!, 'utf8'))).find((c) => c.sampleId === values.conversation);
  if (!conv) throw new Error(`no conversation ${values.conversation} in ${values.data}`);
  const questions = conv.questions.filter((q) => q.category !== 5 && q.evidence.length > 0).slice(0, QUESTIONS);
  const embedder = await createEmbedder(transformers, { modelId: 'Xenova/bge-small-en-v1.5', localModelBaseUrl: LOCAL_TRANSFORMERS_DIR });
  const bank = await openAgentTestBank(embedder.dims);
  const turnsOf = new Map<string, string[]>();
  const namespaces = conv.speakers.map((s) => `user:${s.toLowerCase()}`);
  for (const [si, speaker] of conv.speakers.entries()) {
    const seen = new Set<string>();
    const facts = conv.observations.filter((o) => o.speaker === speaker && !seen.has(o.fact) && seen.add(o.fact));
    const vectors = await embedder.embed(facts.map((o) => o.fact));
    const ids = await seedMemories(
      bank,
      namespaces[si]!,
      facts.map((o, i) => ({ text: o.fact, embedding: vectors.slice(i * embedder.dims, (i + 1) * embedder.dims), eventTime: o.sessionTime.slice(0, 10) })),
    );
    ids.forEach((id, i) => turnsOf.set(id, facts[i]!.diaIds));
  }
  const listedTurns = (memoryIds: readonly string[]) => new Set(memoryIds.flatMap((id) => turnsOf.get(id) ?? []));

  const bench = await openBrowserBench();
  try {
    const page = await bench.browser.newPage();
    page.setDefaultTimeout(900_000);
    await page.goto(`${bench.origin}/bench/answer.html`);
    await page.waitForFunction(() => document.title === 'ready');
    const threads = await page.evaluate(() => navigator.hardwareConcurrency);
    const load = () =>
      page.evaluate(
        ([u, t]) => (globalThis as unknown as { benchLoad: (...a: unknown[]) => Promise<{ threads: number; promptContextTokens?: number }> }).benchLoad(u, t),
        [`/models/${TEST_CHAT_GGUF_RELATIVE_PATH}`, threads] as const,
      );
    console.log(
      `answer: ${conv.sampleId}, ${conv.observations.length} observation facts, ${questions.length} questions, wllama ${threads} threads, max ${MAX_TOKENS} new tokens, ${os.availableParallelism()} cores, load ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );

    const llm = pageClient(page, (await load()).promptContextTokens);
    const baseline: Measured[] = [];
    for (const q of questions) {
      const vector = await embedder.embed([q.question]);
      const retrieval = await retrieveForQuestion(bank, q.question, vector, { namespaces, k: 2 * PER_SPEAKER_K, perNamespaceK: PER_SPEAKER_K });
      const shown = retrieval.hits.map((h, i) => ({ id: String(i), date: memoryDate(h.memory), text: h.memory.text }));
      const r = await llm.complete(buildBaselineAnswerMessages(q.question, shown), {
        maxTokens: MAX_TOKENS,
        temperature: 0,
        jsonSchema: answerSchema(
          shown.map((m) => m.id),
          'benchmark',
        ),
        cacheKey: 'answer',
      });
      baseline.push({
        ttftMs: llm.lastTtftMs,
        promptTokens: r.usage.promptTokens,
        cachedTokens: r.usage.cachedTokens ?? 0,
        recall: recallOf(q.evidence, listedTurns(retrieval.hits.map((h) => h.memory.id))),
        listed: shown.length,
      });
      console.log(
        `baseline q${baseline.length}: ttft ${(llm.lastTtftMs / 1000).toFixed(1)} s, ${r.usage.promptTokens} prompt tokens (${r.usage.cachedTokens ?? 0} cached)`,
      );
    }

    await load();
    const agent = createAnswerAgent({ llm, embedder, bank, latencyBudgetS: 0 });
    const fresh: Measured[] = [];
    for (const q of questions) {
      const result = await agent.answer({ question: q.question, namespaces, perNamespaceK: PER_SPEAKER_K, mode: 'benchmark', maxTokens: MAX_TOKENS });
      fresh.push({
        ttftMs: llm.lastTtftMs,
        promptTokens: result.usage.promptTokens,
        cachedTokens: result.call.usage.cachedTokens ?? 0,
        recall: recallOf(q.evidence, listedTurns(result.candidates.map((c) => c.memory.id))),
        listed: result.candidates.length,
      });
      const retrievedOnly = recallOf(q.evidence, listedTurns(result.candidates.filter((c) => c.retrieved).map((c) => c.memory.id)));
      console.log(
        `new q${fresh.length}: ttft ${(llm.lastTtftMs / 1000).toFixed(1)} s, ${result.usage.promptTokens} prompt tokens (${result.call.usage.cachedTokens ?? 0} cached), ${result.considered.why}; recall of the retrieved ${retrievedOnly.toFixed(2)}`,
      );
    }

    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const meanDefined = (xs: number[]) => mean(xs.filter((x) => !Number.isNaN(x)));
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const tb = mean(baseline.map((m) => m.ttftMs)) / 1000;
    const tn = mean(fresh.map((m) => m.ttftMs)) / 1000;
    console.log(
      `evidence recall of the listed memories: baseline=${meanDefined(baseline.map((m) => m.recall)).toFixed(3)} new=${meanDefined(fresh.map((m) => m.recall)).toFixed(3)}; listed per question: baseline=${mean(baseline.map((m) => m.listed)).toFixed(1)} new=${mean(fresh.map((m) => m.listed)).toFixed(1)}`,
    );
    console.log(
      `load average after the run: ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
    console.log(
      `answer ttft_baseline_s=${tb.toFixed(2)} ttft_new_s=${tn.toFixed(2)} new_over_baseline=${(tn / tb).toFixed(3)} cached_ratio=${(sum(fresh.map((m) => m.cachedTokens)) / sum(fresh.map((m) => m.promptTokens))).toFixed(3)} tokens_ratio=${(mean(fresh.map((m) => m.promptTokens)) / mean(baseline.map((m) => m.promptTokens))).toFixed(3)}`,
    );
  } finally {
    await bench.close();
    bank.close();
    bank.db.close();
    await embedder.dispose();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
