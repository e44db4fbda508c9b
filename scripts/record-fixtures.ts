/**
 * Records REAL model replies for the agents' unit tests: runs SmolLM2-135M-Instruct (Q4_1 GGUF, node-llama-cpp,
 * CPU, greedy) on the agents' own prompts, schemas and token limits, and writes the raw replies as JSON fixtures
 * to app/agent/fixtures/. The unit tests parse those replies; they never call a model.
 *
 *   npm run fixtures:record                  # all three files
 *   npm run fixtures:record -- answer        # only answer.json (also: facts, update)
 *
 * Re-record after changing a prompt (the tests check each fixture's prompt version against the current one).
 * The dialogue turns and the questions are read from the project's own LoCoMo-format file
 * (app/eval/fixtures/locomo-fixture.json, written for this project), so recording needs nothing outside the repo.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultAnswerMaxTokens } from '../app/agent/answerAgent';
import type { AnswerFixtureFile, FactFixtureFile, MemoryUpdateFixtureFile, RecordedReply } from '../app/agent/fixtures/fixtureTypes';
import { MEMORY_MANAGER_DEFAULTS } from '../app/agent/memoryManager';
import {
  PROMPT_VERSION as ANSWER_PROMPT_VERSION,
  type AnswerFormat,
  type AnswerMode,
  answerSchema,
  buildAnswerMessages,
} from '../app/agent/prompts/answerPrompt';
import { buildFactExtractionMessages, FACT_EXTRACTION_SCHEMA, PROMPT_VERSION as FACT_PROMPT_VERSION } from '../app/agent/prompts/factExtractionPrompt';
import { buildMemoryUpdateMessages, memoryUpdateSchema, PROMPT_VERSION as UPDATE_PROMPT_VERSION } from '../app/agent/prompts/memoryUpdatePrompt';
import { readLocomoFixture } from '../app/eval/fixtures/locomoFixture';
import { formatDay, parseSessionDate, resolveRelativeDates } from '../app/lib/calendar';
import { createNodeLlamaCppClient } from '../app/llm/nodeLlamaCppClient';
import type { ChatMessage, CompletionOptions, LLMClient } from '../app/llm/types';
import { assertTestModelsPresent, TEST_CHAT_GGUF_PATH, TEST_CHAT_MODEL_ID } from './test-models';

const OUT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../app/agent/fixtures');
const FIXTURE = "the project's LoCoMo-format file app/eval/fixtures/locomo-fixture.json (written for this project, no dataset text)";
const SOURCES = {
  facts: `Dialogue turns of conv-26 from ${FIXTURE}.`,
  update: `Hand-written cases (mem0's failure modes), and one whose memories and facts paraphrase turns of conv-26 from ${FIXTURE}.`,
  answer: `Questions of conv-26 from ${FIXTURE}; memories paraphrasing its turns.`,
};
const PARTS = ['facts', 'update', 'answer'] as const;
type Part = (typeof PARTS)[number];

async function record(llm: LLMClient, messages: ChatMessage[], options: CompletionOptions): Promise<RecordedReply> {
  const result = await llm.complete(messages, options);
  console.log(
    `  ${result.usage.promptTokens} prompt (+${result.usage.cachedTokens ?? 0} cached) / ${result.usage.completionTokens} tokens, ${Math.round(result.timings.totalMs)} ms: ${result.text.slice(0, 160)}`,
  );
  return {
    rawOutput: result.text,
    finishReason: result.finishReason,
    usage: result.usage,
    totalMs: Math.round(result.timings.totalMs),
    maxTokens: options.maxTokens,
  };
}

function write(file: string, value: unknown): void {
  writeFileSync(path.join(OUT, file), `${JSON.stringify(value, null, 2)}\n`);
  console.log(`wrote app/agent/fixtures/${file}`);
}

async function main(): Promise<void> {
  const asked = process.argv.slice(2);
  for (const a of asked) if (!(PARTS as readonly string[]).includes(a)) throw new Error(`unknown part "${a}": use ${PARTS.join(', ')}`);
  const parts = new Set<Part>(asked.length > 0 ? (asked as Part[]) : PARTS);
  assertTestModelsPresent();
  const conv = readLocomoFixture().find((c) => c.sampleId === 'conv-26');
  if (!conv) throw new Error('conv-26 is not in the LoCoMo-format fixture');
  const turnOf = (diaId: string) => {
    const turn = conv.turns.find((t) => t.diaId === diaId);
    if (!turn) throw new Error(`turn ${diaId} not found`);
    return { speaker: turn.speaker, text: turn.text, turnId: turn.diaId, sessionTime: turn.sessionTime };
  };
  const question = (text: string) => {
    const qa = conv.questions.find((q) => q.question === text);
    if (!qa) throw new Error(`question ${JSON.stringify(text)} not found`);
    return qa.question;
  };

  const llm = await createNodeLlamaCppClient({ modelPath: TEST_CHAT_GGUF_PATH, modelId: TEST_CHAT_MODEL_ID });
  try {
    // Fact extraction on four turns with relative dates (yesterday, last Saturday, next month) and without.
    if (parts.has('facts')) {
      console.log('fact extraction');
      const factTurns = [turnOf('D1:3'), turnOf('D2:1'), turnOf('D2:7'), turnOf('D2:8')];
      const factCases: FactFixtureFile['cases'] = [];
      for (const turn of factTurns) {
        const session = parseSessionDate(turn.sessionTime);
        const resolvedText = resolveRelativeDates(turn.text, session).text;
        const messages = buildFactExtractionMessages({ speaker: turn.speaker, sessionDate: formatDay(session), text: resolvedText });
        const reply = await record(llm, messages, { maxTokens: MEMORY_MANAGER_DEFAULTS.factsMaxTokens, jsonSchema: FACT_EXTRACTION_SCHEMA });
        factCases.push({ name: `conv-26 ${turn.turnId}`, turn, resolvedText, ...reply });
      }
      write('fact-extraction.json', {
        source: SOURCES.facts,
        model: TEST_CHAT_MODEL_ID,
        promptVersion: FACT_PROMPT_VERSION,
        cases: factCases,
      } satisfies FactFixtureFile);
    }

    // Memory updates: the mem0 failure modes, and one case from the fixture's conversation.
    if (parts.has('update')) {
      console.log('memory update');
      const updateInputs: { name: string; memories: string[]; facts: string[] }[] = [
        {
          name: 'second dog (should be one merged UPDATE)',
          memories: ['Theo adopted a dog named Biscuit.', 'Theo likes running.'],
          facts: ['Theo adopted a second dog named Pepper.'],
        },
        {
          name: 'preference change (should be UPDATE, not DELETE)',
          memories: ['Maya likes coffee.', 'Maya lives in Lisbon.'],
          facts: ['Maya now prefers tea to coffee.'],
        },
        {
          name: 'already stored (should be NOOP)',
          memories: ['Maya is looking into art therapy programs.', 'Maya wants to help people through art.'],
          facts: ['Maya is looking into art therapy programs.'],
        },
        {
          name: 'conv-26 D2:7 facts against earlier memories',
          memories: ["Theo ran a 10k race for the children's hospital on 20 May 2023.", 'Theo has twins.'],
          facts: ['Theo is going to sail along the coast in June 2023.', "Theo's kids are excited about the summer holidays."],
        },
      ];
      const updateCases: MemoryUpdateFixtureFile['cases'] = [];
      for (const input of updateInputs) {
        const messages = buildMemoryUpdateMessages(input);
        const reply = await record(llm, messages, {
          maxTokens: MEMORY_MANAGER_DEFAULTS.updateMaxTokens,
          jsonSchema: memoryUpdateSchema(input.memories.length, input.facts.length),
        });
        updateCases.push({ ...input, ...reply });
      }
      write('memory-update.json', {
        source: SOURCES.update,
        model: TEST_CHAT_MODEL_ID,
        promptVersion: UPDATE_PROMPT_VERSION,
        cases: updateCases,
      } satisfies MemoryUpdateFixtureFile);
    }

    // Answers: memories paraphrased from the turns above, questions from the fixture's QA for conv-26.
    if (parts.has('answer')) {
      console.log('answer');
      const memories = [
        { id: '0', date: '8 May 2023', text: 'Maya went to her first pottery class on 7 May 2023.' },
        { id: '1', date: '8 May 2023', text: 'Maya wants to study art therapy.' },
        { id: '2', date: '25 May 2023', text: "Theo ran a 10k race for the children's hospital on 20 May 2023." },
        { id: '3', date: '25 May 2023', text: 'Theo is going to sail along the coast in June 2023.' },
        { id: '4', date: '25 May 2023', text: 'Maya is looking into art therapy programs.' },
      ];
      const answerInputs: { question: string; mode: AnswerMode; format: AnswerFormat }[] = [
        { question: question('When did Maya go to her first pottery class?'), mode: 'benchmark', format: 'json' },
        { question: question('What is Maya looking into?'), mode: 'benchmark', format: 'json' },
        { question: question('When is Theo going sailing with his kids?'), mode: 'chat', format: 'json' },
        { question: question('What is Maya looking into?'), mode: 'benchmark', format: 'marker' },
      ];
      const answerCases: AnswerFixtureFile['cases'] = [];
      for (const input of answerInputs) {
        const messages = buildAnswerMessages({ ...input, memories });
        const shownIds = memories.map((m) => m.id);
        const reply = await record(llm, messages, {
          maxTokens: defaultAnswerMaxTokens(input.mode),
          ...(input.format === 'json' ? { jsonSchema: answerSchema(shownIds, input.mode) } : {}),
        });
        answerCases.push({ ...input, memories, ...reply });
      }
      write('answer.json', {
        source: SOURCES.answer,
        model: TEST_CHAT_MODEL_ID,
        promptVersion: ANSWER_PROMPT_VERSION,
        cases: answerCases,
      } satisfies AnswerFixtureFile);
    }
  } finally {
    await llm.dispose();
  }
}

await main();
