/**
 * Which questions a run asks: the scored ones (category 5 has no gold answer), those whose evidence lies in the
 * ingested turns when `maxTurns` cuts the conversation short, then the first `limit` of them over the whole split.
 * Every question left out is counted by reason, so a report never silently shrinks.
 */
import { isScoredCategory } from './categories';
import type { LocomoConversation, LocomoTurn } from './locomo';

export interface EvalQuestion {
  sampleId: string;
  /** Position in the conversation's `qa` list: with the sample id, the question's stable key. */
  index: number;
  question: string;
  gold: string;
  category: number;
  evidence: string[];
}

export interface SkippedCounts {
  /** Category 5: no gold answer; never scored. */
  adversarial: number;
  /** With maxTurns: evidence in turns that were not ingested. */
  beyondMaxTurns: number;
  /** With maxTurns: no evidence listed, so whether the ingested turns hold the answer cannot be told. */
  noEvidence: number;
  /** Scored and answerable, but past `limit`. */
  overLimit: number;
}

export interface QuestionSelection {
  questions: EvalQuestion[];
  /** Per conversation, the turns that are ingested. */
  turns: Map<string, LocomoTurn[]>;
  skipped: SkippedCounts;
}

export interface SelectionOptions {
  /** Ingest only the first N turns of each conversation (a smoke-test option for slow machines). */
  maxTurns?: number | null;
  /** At most N questions over the whole split. */
  limit?: number | null;
}

/** Evidence is sometimes written "D8:6; D9:17" in one entry: split on anything that is not part of an id. */
export function evidenceIds(evidence: readonly string[]): string[] {
  return [...new Set(evidence.flatMap((e) => e.split(/[;,\s]+/)).filter(Boolean))];
}

function checkCount(name: string, value: number | null | undefined): void {
  if (value !== null && value !== undefined && (!Number.isInteger(value) || value < 1))
    throw new Error(`${name} must be a positive whole number, got ${String(value)}`);
}

export function selectQuestions(conversations: readonly LocomoConversation[], options: SelectionOptions = {}): QuestionSelection {
  checkCount('maxTurns', options.maxTurns);
  checkCount('limit', options.limit);
  const skipped: SkippedCounts = { adversarial: 0, beyondMaxTurns: 0, noEvidence: 0, overLimit: 0 };
  const questions: EvalQuestion[] = [];
  const turns = new Map<string, LocomoTurn[]>();
  for (const conv of conversations) {
    const ingested = options.maxTurns ? conv.turns.slice(0, options.maxTurns) : conv.turns;
    turns.set(conv.sampleId, ingested);
    const ingestedIds = new Set(ingested.map((t) => t.diaId));
    conv.questions.forEach((q, index) => {
      if (!isScoredCategory(q.category) || q.answer === null) {
        skipped.adversarial += 1;
        return;
      }
      const evidence = evidenceIds(q.evidence);
      if (options.maxTurns) {
        if (evidence.length === 0) {
          skipped.noEvidence += 1;
          return;
        }
        if (!evidence.every((id) => ingestedIds.has(id))) {
          skipped.beyondMaxTurns += 1;
          return;
        }
      }
      if (options.limit && questions.length >= options.limit) {
        skipped.overLimit += 1;
        return;
      }
      questions.push({ sampleId: conv.sampleId, index, question: q.question, gold: q.answer, category: q.category, evidence });
    });
  }
  return { questions, turns, skipped };
}
