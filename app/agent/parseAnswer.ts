/**
 * Parses the Answer Agent's reply: the ids of the memories the model chose, then the answer.
 *
 * Total and forgiving, because an answer is always shown to someone: it never fails, it says how it read the
 * reply (`form`) and whether the answer was delimited as asked (`markerFound`).
 * - `json`: `{"memory_ids": [...], "answer": "..."}` (the schema form); the answer field delimits the answer.
 * - `marker`: free text; the ids are the numbers before the first `**Answer:**`, the answer all text after it.
 * - `fallback`, the marker missing: if a looser label is there ("Answer:", "**Answer**:", any case) the text is
 *   split at it as above; otherwise the whole reply is the answer and no memory counts as used.
 *   `markerFound` is false either way. A JSON reply cut off at the token limit gives what can be read of its
 *   "answer" and "memory_ids", also as `fallback`.
 * Ids the model cites that were not shown (or numbers that are not ids, like a year) go to `unknownIds`.
 */
import { ANSWER_MARKER } from './prompts/answerPrompt';

export interface ParsedAnswer {
  answer: string;
  /** Short ids of shown memories, in the order cited, each once. */
  ids: string[];
  /** What was cited but is not a shown id. */
  unknownIds: string[];
  /** True when the answer was delimited as asked: by the schema's answer field or by the marker. */
  markerFound: boolean;
  form: 'json' | 'marker' | 'fallback';
  /** What was wrong with the reply, for logs (empty when nothing was). */
  problems: string[];
}

const LOOSE_LABEL = /(^|[\s*])\**answer\**\s*:\**/i;

function splitIds(cited: readonly string[], shown: ReadonlySet<string>): { ids: string[]; unknownIds: string[] } {
  const ids: string[] = [];
  const unknownIds: string[] = [];
  for (const raw of cited) {
    const id = raw.trim();
    if (shown.has(id)) {
      if (!ids.includes(id)) ids.push(id);
    } else if (!unknownIds.includes(id)) {
      unknownIds.push(id);
    }
  }
  return { ids, unknownIds };
}

function idsInText(text: string): string[] {
  return text.match(/\b\d+\b/g) ?? [];
}

function fromJson(text: string, shown: ReadonlySet<string>): ParsedAnswer | null {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return null;
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const record = value as Record<string, unknown>;
  if (typeof record.answer !== 'string') return null;
  const problems: string[] = [];
  const rawIds = record.memory_ids;
  let cited: string[] = [];
  if (Array.isArray(rawIds)) {
    cited = rawIds.flatMap((id) => (typeof id === 'string' || typeof id === 'number' ? [String(id)] : []));
    if (cited.length !== rawIds.length) problems.push('memory_ids holds values that are not ids');
  } else {
    problems.push('memory_ids is missing or not an array');
  }
  const answer = record.answer.trim();
  if (answer === '') problems.push('the answer is empty');
  return { answer, ...splitIds(cited, shown), markerFound: true, form: 'json', problems };
}

/** A JSON reply that does not parse (cut off at the token limit): what can be read of it, flagged. */
function fromBrokenJson(text: string, shown: ReadonlySet<string>): ParsedAnswer | null {
  if (!text.trim().startsWith('{')) return null;
  const answerMatch = /"answer"\s*:\s*"((?:[^"\\]|\\.)*)/.exec(text);
  if (!answerMatch) return null;
  let answer = answerMatch[1]!;
  try {
    answer = JSON.parse(`"${answer.replace(/\\$/, '')}"`) as string;
  } catch {
    // keep the escaped text as it is
  }
  const idsMatch = /"memory_ids"\s*:\s*\[([^\]]*)/.exec(text);
  const cited = idsMatch ? (idsMatch[1]!.match(/[^\s",]+/g) ?? []) : [];
  const problems = ['the reply starts as JSON but is not valid JSON (cut off?); the answer is what could be read'];
  if (answer.trim() === '') problems.push('the answer is empty');
  return { answer: answer.trim(), ...splitIds(cited, shown), markerFound: false, form: 'fallback', problems };
}

/** `shownIds`: the short ids the candidates were listed under. */
export function parseAnswer(text: string, shownIds: readonly string[]): ParsedAnswer {
  const shown = new Set(shownIds);
  const reply = typeof text === 'string' ? text : '';
  const json = fromJson(reply, shown);
  if (json) return json;

  const problems: string[] = [];
  const cut = fromBrokenJson(reply, shown);
  if (cut) return cut;
  const at = reply.indexOf(ANSWER_MARKER);
  if (at >= 0) {
    const answer = reply.slice(at + ANSWER_MARKER.length).trim();
    if (answer === '') problems.push('the answer after the marker is empty');
    return { answer, ...splitIds(idsInText(reply.slice(0, at)), shown), markerFound: true, form: 'marker', problems };
  }

  problems.push(`the reply has no ${ANSWER_MARKER} marker`);
  const loose = LOOSE_LABEL.exec(reply);
  if (loose) {
    const start = loose.index + loose[1]!.length;
    const answer = reply.slice(loose.index + loose[0].length).trim();
    if (answer === '') problems.push('the answer after the label is empty');
    return { answer, ...splitIds(idsInText(reply.slice(0, start)), shown), markerFound: false, form: 'fallback', problems };
  }
  const answer = reply.trim();
  if (answer === '') problems.push('the reply is empty');
  return { answer, ids: [], unknownIds: [], markerFound: false, form: 'fallback', problems };
}
