/**
 * The Memory Manager (Memory-R1): after each dialogue turn,
 * 1. resolves relative dates in the turn against its session date (app/lib/calendar.ts), then asks the model for the
 *    turn's facts (schema-constrained `{"facts": [...]}`), third person, speaker named;
 * 2. embeds the facts and retrieves the most similar memories of the namespace (the union over the facts,
 *    capped), shows them to the model under short ids and asks for ADD / UPDATE / DELETE / NOOP per fact;
 * 3. maps the ids back, embeds the new texts and hands the batch to `bank.apply` (validated whole, one
 *    transaction, all or nothing).
 *
 * A reply that does not parse, breaks the schema, names an id that was not shown, or is refused by the bank's
 * validation is retried once with the reasons shown to the model, then rejected visibly: the result says
 * `rejected` with every reason and raw reply, and the bank is untouched. Never silent: a bad reply is never
 * "no operations". With no similar memory at all there is nothing to decide: every fact is an ADD, and the
 * second model call is skipped.
 *
 * Pure TypeScript: the model, the embedder and the bank are passed in; runs in Node and in the browser.
 */
import type { Embedder } from '../embed/embedder';
import { type DateResolution, formatDay, parseSessionDate, resolveRelativeDates, toIsoDate } from '../lib/calendar';
import type { ChatMessage, CompletionOptions, LLMClient } from '../llm/types';
import type { MemoryBank } from '../memory/memoryBank';
import type { MemoryOpBatch, MemoryOpKind } from '../memory/memoryOps';
import type { HistoryRecord, MemoryRecord, Namespace, Proposer } from '../memory/types';
import { normalizeMemoryText } from '../memory/validateMemoryOps';
import { memoryOpsFromEntries, textsToEmbed } from './memoryOpsFromEntries';
import { type AgentStage, type ModelCall, totalUsage, type UsageTotals } from './modelCalls';
import { parseFacts } from './parseFacts';
import { type MemoryUpdateEntry, parseMemoryUpdate } from './parseMemoryUpdate';
import type { ParseResult } from './parseResult';
import {
  buildFactExtractionMessages,
  buildFactExtractionRetryMessages,
  PROMPT_VERSION as FACT_EXTRACTION_PROMPT_VERSION,
  FACT_EXTRACTION_SCHEMA,
  MAX_FACTS,
} from './prompts/factExtractionPrompt';
import {
  buildMemoryUpdateMessages,
  buildMemoryUpdateRetryMessages,
  PROMPT_VERSION as MEMORY_UPDATE_PROMPT_VERSION,
  type MemoryEvent,
  memoryUpdateSchema,
} from './prompts/memoryUpdatePrompt';
import { createShortIdMap, inShortIds, remapMemoryUpdate } from './remapMemoryIds';
import { retrieveForFacts, rowOf } from './retrieveMemories';

/**
 * What every history row of a batch records as its prompt version: both prompts that shaped it (the facts come
 * from one, the operations from the other).
 */
export const MEMORY_MANAGER_PROMPT_VERSION = `${FACT_EXTRACTION_PROMPT_VERSION}+${MEMORY_UPDATE_PROMPT_VERSION}`;

export interface DialogueTurn {
  speaker: string;
  text: string;
  /** The session's date: ISO date (YYYY-MM-DD) or date-time. Relative dates are resolved against it. */
  sessionTime: string;
  /** Recorded in every history row and in each memory's sourceTurnIds (e.g. LoCoMo's "D1:3"). */
  turnId: string;
  namespace: Namespace;
}

export interface MemoryManagerDeps {
  llm: LLMClient;
  embedder: Pick<Embedder, 'embed'>;
  bank: Pick<MemoryBank, 'apply' | 'hybridSearch'>;
}

export interface MemoryManagerOptions {
  /** Memories retrieved per fact; default 5. */
  perFactK?: number;
  /** Most memories shown to the model (the union over facts, best first); default 10. */
  maxCandidates?: number;
  /** Token limit of the fact-extraction call; default 256 (4 facts of ≤ 200 characters fit). */
  factsMaxTokens?: number;
  /** Token limit of the memory-update call; default 400. */
  updateMaxTokens?: number;
  /** Sampling temperature of both calls; default 0 (greedy). */
  temperature?: number;
  /** Called as things happen, for a UI that shows facts, operations and rejections live. */
  onEvent?: (event: MemoryManagerEvent) => void;
}

export interface ProcessTurnOptions {
  /** Aborts the model calls (an LLMError 'abort' is thrown); a batch already applied stays applied. */
  signal?: AbortSignal;
  /** Called in addition to the manager's own observer. */
  onEvent?: (event: MemoryManagerEvent) => void;
  /** Streams the model's tokens, tagged with the step that produced them. */
  onToken?: (stage: AgentStage, delta: string) => void;
}

/** A memory as the model saw it. */
export interface ShownMemory {
  shortId: string;
  memoryId: string;
  text: string;
  score: number;
}

/** One applied operation with its texts: the model's event, what the bank did, before and after. */
export interface AppliedOp {
  event: MemoryEvent;
  op: MemoryOpKind;
  memoryId: string | null;
  /** The id the model used; null for an ADD. */
  shortId: string | null;
  before: string | null;
  after: string | null;
}

interface ResultBase {
  turnId: string;
  /** The facts as stored or proposed: relative dates resolved. */
  facts: string[];
  /** Relative dates resolved in the turn and in the facts. */
  dateResolutions: DateResolution[];
  candidates: ShownMemory[];
  /** Every model call, in order, with its reply. */
  calls: ModelCall[];
  usage: UsageTotals;
}

export type MemoryManagerResult =
  | (ResultBase & {
      status: 'applied';
      batchId: string;
      history: HistoryRecord[];
      ops: AppliedOp[];
      /** Replies of the step that produced the operations (none when every fact was an ADD without a model call). */
      rawOutputs: string[];
      attempts: number;
    })
  | (ResultBase & {
      status: 'rejected';
      stage: 'facts' | 'memory-update';
      /** Every reason of every attempt, each prefixed "attempt N: ". */
      errors: string[];
      attemptErrors: string[][];
      rawOutputs: string[];
    })
  | (ResultBase & { status: 'skipped'; reason: 'no-facts' });

export type MemoryManagerEvent =
  | { type: 'facts'; turnId: string; facts: string[]; dateResolutions: DateResolution[] }
  | { type: 'candidates'; turnId: string; candidates: ShownMemory[] }
  | { type: 'model-call'; turnId: string; call: ModelCall }
  | { type: 'attempt-rejected'; turnId: string; stage: 'facts' | 'memory-update'; attempt: number; errors: string[]; rawOutput: string }
  | { type: 'applied'; turnId: string; batchId: string; ops: AppliedOp[] }
  | { type: 'rejected'; turnId: string; stage: 'facts' | 'memory-update'; errors: string[]; rawOutputs: string[] }
  | { type: 'skipped'; turnId: string; reason: 'no-facts' };

/** The first step's outcome for one turn: its facts, or a visible rejection of the model's replies. */
export type FactExtraction =
  | { status: 'extracted'; turn: DialogueTurn; facts: string[]; dateResolutions: DateResolution[]; calls: ModelCall[]; rawOutputs: string[] }
  | {
      status: 'rejected';
      turn: DialogueTurn;
      dateResolutions: DateResolution[];
      calls: ModelCall[];
      errors: string[];
      attemptErrors: string[][];
      rawOutputs: string[];
    };

export interface MemoryManager {
  readonly promptVersion: string;
  /** Both steps for one turn. */
  processTurn(turn: DialogueTurn, options?: ProcessTurnOptions): Promise<MemoryManagerResult>;
  /**
   * Several turns, in order, with the same outcome as processTurn on each in turn, but every turn's facts are
   * extracted first: fact extraction does not read the bank, and consecutive calls with the same prompt reuse the
   * engine's prompt cache (with one KV sequence, alternating the two prompts re-reads each one's stable part).
   * An engine error or abort rejects the whole call; batches of earlier turns stay applied (see the bank's history).
   */
  processTurns(turns: readonly DialogueTurn[], options?: ProcessTurnOptions): Promise<MemoryManagerResult[]>;
  /** Step 1 alone: the turn's facts (relative dates resolved). Does not touch the bank. */
  extractFacts(turn: DialogueTurn, options?: ProcessTurnOptions): Promise<FactExtraction>;
  /** Step 2 alone: retrieval, the model's operations and the bank, for facts from extractFacts. */
  updateMemories(extraction: FactExtraction, options?: ProcessTurnOptions): Promise<MemoryManagerResult>;
}

export const MEMORY_MANAGER_DEFAULTS = { perFactK: 5, maxCandidates: 10, factsMaxTokens: 256, updateMaxTokens: 400, temperature: 0 } as const;
const MAX_ATTEMPTS = 2;

function checkTurn(turn: DialogueTurn): void {
  for (const key of ['speaker', 'turnId', 'namespace'] as const) {
    if (typeof turn[key] !== 'string' || turn[key].trim() === '') throw new TypeError(`turn.${key} must be a non-empty string`);
  }
  if (typeof turn.text !== 'string') throw new TypeError('turn.text must be a string');
  parseSessionDate(turn.sessionTime);
}

/** Appends the step's reason when the reply ran into the token limit: that is why it does not parse. */
function withCutOffNote(errors: string[], call: ModelCall): string[] {
  return call.finishReason === 'length' ? [...errors, `the reply was cut off at the ${call.maxTokens}-token limit; keep the texts shorter`] : errors;
}

function prefixAttempts(attemptErrors: string[][]): string[] {
  return attemptErrors.flatMap((errs, i) => errs.map((e) => `attempt ${i + 1}: ${e}`));
}

export function createMemoryManager(deps: MemoryManagerDeps, managerOptions: MemoryManagerOptions = {}): MemoryManager {
  const settings = { ...MEMORY_MANAGER_DEFAULTS, ...managerOptions };
  const proposer: Proposer = { model: deps.llm.modelId, promptVersion: MEMORY_MANAGER_PROMPT_VERSION };

  function emitter(options: ProcessTurnOptions): (event: MemoryManagerEvent) => void {
    return (event) => {
      for (const observer of [managerOptions.onEvent, options.onEvent]) {
        try {
          observer?.(event);
        } catch (error) {
          // An observer's bug must not turn an applied batch into a failed call; it is reported, not hidden.
          console.error('Memory Manager observer failed:', error);
        }
      }
    };
  }

  async function callModel(
    turnId: string,
    stage: AgentStage,
    attempt: number,
    messages: ChatMessage[],
    completion: Omit<CompletionOptions, 'signal' | 'onToken'>,
    options: ProcessTurnOptions,
    calls: ModelCall[],
  ): Promise<ModelCall> {
    const onToken = options.onToken;
    const result = await deps.llm.complete(messages, {
      ...completion,
      // One prompt cache per stage: the facts and memory-update prompts keep their stable prefixes apart.
      cacheKey: stage,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(onToken ? { onToken: (delta: string) => onToken(stage, delta) } : {}),
    });
    const call: ModelCall = {
      stage,
      attempt,
      output: result.text,
      usage: result.usage,
      timings: result.timings,
      finishReason: result.finishReason,
      maxTokens: completion.maxTokens,
    };
    calls.push(call);
    emitter(options)({ type: 'model-call', turnId, call });
    return call;
  }

  async function extractFacts(turn: DialogueTurn, options: ProcessTurnOptions = {}): Promise<FactExtraction> {
    checkTurn(turn);
    const session = parseSessionDate(turn.sessionTime);
    const emit = emitter(options);
    const calls: ModelCall[] = [];
    const resolvedTurn = resolveRelativeDates(turn.text, session);
    const dateResolutions = [...resolvedTurn.resolutions];
    if (resolvedTurn.text.trim() === '') return { status: 'extracted', turn, facts: [], dateResolutions, calls, rawOutputs: [] };

    const messages = buildFactExtractionMessages({ speaker: turn.speaker.trim(), sessionDate: formatDay(session), text: resolvedTurn.text.trim() });
    const attempts = await withOneRetry(
      (attempt, previous) =>
        callModel(
          turn.turnId,
          'facts',
          attempt,
          previous ? buildFactExtractionRetryMessages(messages, previous.output, previous.errors) : messages,
          { maxTokens: settings.factsMaxTokens, temperature: settings.temperature, jsonSchema: FACT_EXTRACTION_SCHEMA },
          options,
          calls,
        ),
      async (call) => {
        const parsed = parseFacts(call.output, { maxFacts: MAX_FACTS });
        return parsed.ok ? parsed : { ok: false, errors: withCutOffNote(parsed.errors, call) };
      },
      (attempt, errors, rawOutput) => emit({ type: 'attempt-rejected', turnId: turn.turnId, stage: 'facts', attempt, errors, rawOutput }),
    );
    if (!attempts.ok) {
      const errors = prefixAttempts(attempts.attemptErrors);
      emit({ type: 'rejected', turnId: turn.turnId, stage: 'facts', errors, rawOutputs: attempts.rawOutputs });
      return { status: 'rejected', turn, dateResolutions, calls, errors, attemptErrors: attempts.attemptErrors, rawOutputs: attempts.rawOutputs };
    }

    // Dates the model left relative are resolved too; a fact that becomes a repeat is dropped.
    const facts: string[] = [];
    const seen = new Set<string>();
    for (const fact of attempts.value) {
      const resolved = resolveRelativeDates(fact, session);
      dateResolutions.push(...resolved.resolutions);
      const key = normalizeMemoryText(resolved.text);
      if (!seen.has(key)) {
        seen.add(key);
        facts.push(resolved.text);
      }
    }
    emit({ type: 'facts', turnId: turn.turnId, facts, dateResolutions });
    return { status: 'extracted', turn, facts, dateResolutions, calls, rawOutputs: attempts.rawOutputs };
  }

  async function updateMemories(extraction: FactExtraction, options: ProcessTurnOptions = {}): Promise<MemoryManagerResult> {
    const { turn, dateResolutions } = extraction;
    const { turnId } = turn;
    const sessionDate = toIsoDate(parseSessionDate(turn.sessionTime));
    const emit = emitter(options);
    const calls: ModelCall[] = [...extraction.calls];
    const base = (facts: string[], candidates: ShownMemory[]): ResultBase => ({ turnId, facts, dateResolutions, candidates, calls, usage: totalUsage(calls) });

    if (extraction.status === 'rejected') {
      const { errors, attemptErrors, rawOutputs } = extraction;
      return { ...base([], []), status: 'rejected', stage: 'facts', errors, attemptErrors, rawOutputs };
    }
    const { facts } = extraction;
    if (facts.length === 0) {
      emit({ type: 'skipped', turnId, reason: 'no-facts' });
      return { ...base([], []), status: 'skipped', reason: 'no-facts' };
    }

    // Similar memories: the union over the facts, capped, best first, under short ids.
    const factVectors = await deps.embedder.embed(facts);
    const dims = factVectors.length / facts.length;
    const embeddings = new Map<string, Float32Array>(facts.map((f, i) => [f, rowOf(factVectors, i, dims)]));
    const hits = await retrieveForFacts(deps.bank, facts, factVectors, {
      namespace: turn.namespace,
      perFactK: settings.perFactK,
      maxCandidates: settings.maxCandidates,
    });
    const idMap = createShortIdMap(hits.map((h) => h.memory.id));
    const candidates: ShownMemory[] = hits.map((h, i) => ({ shortId: String(i), memoryId: h.memory.id, text: h.memory.text, score: h.score }));
    const candidateRecords = new Map<string, MemoryRecord>(hits.map((h) => [h.memory.id, h.memory]));
    emit({ type: 'candidates', turnId, candidates });

    // Entries → ops → one batch, validated and applied by the bank; its reasons come back in short ids.
    const applyEntries = async (entries: MemoryUpdateEntry[]): Promise<ParseResult<{ batchId: string; history: HistoryRecord[]; ops: AppliedOp[] }>> => {
      const remapped = remapMemoryUpdate(entries, idMap);
      if (!remapped.ok) return remapped;
      const missing = textsToEmbed(remapped.value).filter((t) => !embeddings.has(t));
      if (missing.length > 0) {
        const vectors = await deps.embedder.embed(missing);
        missing.forEach((t, i) => embeddings.set(t, rowOf(vectors, i, dims)));
      }
      const batch: MemoryOpBatch = {
        namespace: turn.namespace,
        ops: memoryOpsFromEntries(remapped.value, { sessionDate, candidates: candidateRecords, embeddings }),
        candidateIds: idMap.realIds,
        turnId,
        proposer,
      };
      const result = await deps.bank.apply(batch);
      if (!result.ok) {
        const errors = result.errors.map((e) => {
          const reason = inShortIds(e.reason, idMap);
          const entry = entries[e.index];
          return e.index >= 0 && entry ? `entry ${e.index} (${entry.event}): ${reason}` : reason;
        });
        return { ok: false, errors };
      }
      const ops = result.history.map((row): AppliedOp => {
        const entry = entries[row.seq];
        return {
          event: entry?.event ?? row.op,
          op: row.op,
          memoryId: row.memoryId,
          shortId: entry && entry.event !== 'ADD' ? entry.id : null,
          before: row.before,
          after: row.after,
        };
      });
      return { ok: true, value: { batchId: result.batchId, history: result.history, ops } };
    };

    const applied = (value: { batchId: string; history: HistoryRecord[]; ops: AppliedOp[] }, rawOutputs: string[]): MemoryManagerResult => {
      emit({ type: 'applied', turnId, batchId: value.batchId, ops: value.ops });
      return { ...base(facts, candidates), status: 'applied', ...value, rawOutputs, attempts: rawOutputs.length };
    };
    const rejected = (attemptErrors: string[][], rawOutputs: string[]): MemoryManagerResult => {
      const errors = rawOutputs.length > 0 ? prefixAttempts(attemptErrors) : attemptErrors.flat();
      emit({ type: 'rejected', turnId, stage: 'memory-update', errors, rawOutputs });
      return { ...base(facts, candidates), status: 'rejected', stage: 'memory-update', errors, attemptErrors, rawOutputs };
    };

    if (candidates.length === 0) {
      // Nothing to compare with: every fact is new. No model call (the browser engine reads ~20 tokens/s).
      const result = await applyEntries(facts.map((text, i): MemoryUpdateEntry => ({ id: String(i), text, event: 'ADD' })));
      return result.ok ? applied(result.value, []) : rejected([result.errors], []);
    }

    const messages = buildMemoryUpdateMessages({ memories: candidates.map((c) => c.text), facts });
    const attempts = await withOneRetry(
      (attempt, previous) =>
        callModel(
          turnId,
          'memory-update',
          attempt,
          previous ? buildMemoryUpdateRetryMessages(messages, previous.output, previous.errors) : messages,
          { maxTokens: settings.updateMaxTokens, temperature: settings.temperature, jsonSchema: memoryUpdateSchema(candidates.length, facts.length) },
          options,
          calls,
        ),
      async (call) => {
        const parsed = parseMemoryUpdate(call.output, { maxEntries: facts.length });
        return parsed.ok ? applyEntries(parsed.value) : { ok: false, errors: withCutOffNote(parsed.errors, call) };
      },
      (attempt, errors, rawOutput) => emit({ type: 'attempt-rejected', turnId, stage: 'memory-update', attempt, errors, rawOutput }),
    );
    return attempts.ok ? applied(attempts.value, attempts.rawOutputs) : rejected(attempts.attemptErrors, attempts.rawOutputs);
  }

  async function processTurn(turn: DialogueTurn, options: ProcessTurnOptions = {}): Promise<MemoryManagerResult> {
    return updateMemories(await extractFacts(turn, options), options);
  }

  async function processTurns(turns: readonly DialogueTurn[], options: ProcessTurnOptions = {}): Promise<MemoryManagerResult[]> {
    turns.forEach(checkTurn);
    const extractions: FactExtraction[] = [];
    for (const turn of turns) extractions.push(await extractFacts(turn, options));
    const results: MemoryManagerResult[] = [];
    for (const extraction of extractions) results.push(await updateMemories(extraction, options));
    return results;
  }

  return { promptVersion: MEMORY_MANAGER_PROMPT_VERSION, processTurn, processTurns, extractFacts, updateMemories };
}

type AttemptsResult<T> = { ok: true; value: T; rawOutputs: string[] } | { ok: false; attemptErrors: string[][]; rawOutputs: string[] };

/** Asks, checks, and asks once more with the reasons when the first reply is refused. */
async function withOneRetry<T>(
  ask: (attempt: number, previous: { output: string; errors: string[] } | null) => Promise<ModelCall>,
  check: (call: ModelCall) => Promise<ParseResult<T>>,
  onRejectedAttempt: (attempt: number, errors: string[], rawOutput: string) => void,
): Promise<AttemptsResult<T>> {
  const attemptErrors: string[][] = [];
  const rawOutputs: string[] = [];
  let previous: { output: string; errors: string[] } | null = null;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const call = await ask(attempt, previous);
    rawOutputs.push(call.output);
    const checked = await check(call);
    if (checked.ok) return { ok: true, value: checked.value, rawOutputs };
    attemptErrors.push(checked.errors);
    onRejectedAttempt(attempt, checked.errors, call.output);
    previous = { output: call.output, errors: checked.errors };
  }
  return { ok: false, attemptErrors, rawOutputs };
}
