import type { MemoryOp, MemoryOpBatch, OpError } from './memoryOps';
import { MAX_MEMORY_TEXT_LENGTH } from './memoryOps';
import type { MemoryRecord } from './types';

export type ValidationResult = { ok: true; ops: MemoryOp[] } | { ok: false; errors: OpError[] };

const KNOWN_OPS = new Set(['ADD', 'UPDATE', 'DELETE', 'NOOP']);

/** Whitespace and case do not make a fact new: "Adopted Buddy" and "adopted  buddy " are the same memory. */
export function normalizeMemoryText(text: string): string {
  return text.trim().replace(/\s+/g, ' ').toLowerCase();
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value.length > 40 ? `"${value.slice(0, 40)}…"` : `"${value}"`;
  return typeof value;
}

/** A memory is one fact: a few lines at most (prompts flatten it to one line anyway). */
export const MAX_MEMORY_TEXT_LINES = 4;
// C0 and C1 controls other than tab and newline, and the bidirectional overrides and isolates, which make text
// display in an order other than the one it is stored and prompted in.
const FORBIDDEN_CHARACTERS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;

/**
 * What is wrong with a memory's text, or null: the same rule for the Memory Manager's ops, hand edits and imported
 * files, so no path can store what another would refuse.
 */
export function memoryTextProblem(text: unknown): string | null {
  if (typeof text !== 'string') return `text must be a string, got ${describe(text)}`;
  if (!text.trim()) return 'text is empty';
  if (text.length > MAX_MEMORY_TEXT_LENGTH) return `text is ${text.length} characters; the limit is ${MAX_MEMORY_TEXT_LENGTH}`;
  const bad = FORBIDDEN_CHARACTERS.exec(text);
  if (bad) return `text contains the control character U+${bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  const lines = text.trim().split(/\r?\n/).length;
  if (lines > MAX_MEMORY_TEXT_LINES) return `text has ${lines} lines; a memory is one fact of at most ${MAX_MEMORY_TEXT_LINES} lines`;
  return null;
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** An ISO date (YYYY-MM-DD) or date-time that is a real instant: what `eventTime` and session times hold. */
export function isIsoTime(value: unknown): value is string {
  return typeof value === 'string' && ISO_TIME.test(value) && Number.isFinite(Date.parse(value));
}

function checkText(raw: Record<string, unknown>, problems: string[]): string | null {
  const problem = memoryTextProblem(raw.text);
  if (problem) {
    problems.push(problem);
    return null;
  }
  return (raw.text as string).trim();
}

function checkEmbedding(raw: Record<string, unknown>, dims: number, problems: string[]): void {
  const e = raw.embedding;
  if (!(e instanceof Float32Array)) {
    problems.push(`embedding must be a Float32Array, got ${describe(e)}`);
    return;
  }
  if (e.length !== dims) {
    problems.push(`embedding has ${e.length} dimensions; the bank uses ${dims}`);
    return;
  }
  let norm = 0;
  for (const x of e) {
    if (!Number.isFinite(x)) {
      problems.push('embedding contains a non-finite value');
      return;
    }
    norm += x * x;
  }
  if (norm === 0) problems.push('embedding is all zeros');
}

function checkOptionalFields(raw: Record<string, unknown>, problems: string[]): void {
  const { eventTime, sourceTurnIds } = raw;
  if (eventTime !== undefined && eventTime !== null) {
    if (!isIsoTime(eventTime)) {
      problems.push(`eventTime must be an ISO date or null, got ${describe(eventTime)}`);
    }
  }
  if (sourceTurnIds !== undefined && (!Array.isArray(sourceTurnIds) || sourceTurnIds.some((t) => typeof t !== 'string'))) {
    problems.push('sourceTurnIds must be an array of strings');
  }
}

/**
 * Checks a whole batch against the memories its proposer was shown (`current`: the candidates as they are in the
 * bank now; a candidate missing from it was deleted meanwhile). Every problem of every op is reported, so a
 * model can be asked once to fix them all.
 */
export function validateMemoryOps(batch: MemoryOpBatch, current: ReadonlyMap<string, MemoryRecord>, dims: number): ValidationResult {
  const errors: OpError[] = [];
  const candidates = new Set(batch.candidateIds);
  const targets = new Map<string, number>();
  const addedTexts = new Map<string, number>();
  const candidateTexts = new Map<string, string>();
  for (const memory of current.values()) candidateTexts.set(normalizeMemoryText(memory.text), memory.id);
  if (batch.ops.length === 0) errors.push({ index: -1, reason: 'the batch has no operations' });

  batch.ops.forEach((value, index) => {
    const problems: string[] = [];
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      errors.push({ index, reason: `an operation must be an object, got ${describe(value)}` });
      return;
    }
    const raw = value as Record<string, unknown>;
    const kind = raw.op;
    if (typeof kind !== 'string' || !KNOWN_OPS.has(kind)) {
      errors.push({ index, reason: `unknown operation ${describe(kind)}; expected ADD, UPDATE, DELETE or NOOP` });
      return;
    }
    const needsId = kind === 'UPDATE' || kind === 'DELETE' || (kind === 'NOOP' && raw.id !== undefined && raw.id !== null);
    if (needsId) {
      const id = raw.id;
      if (typeof id !== 'string' || !id) {
        problems.push(`${kind} needs the id of a memory, got ${describe(id)}`);
      } else if (!candidates.has(id)) {
        problems.push(`memory id ${describe(id)} was not among the memories shown`);
      } else if (!current.has(id)) {
        problems.push(`memory ${id} no longer exists`);
      } else if (current.get(id)?.namespace !== batch.namespace) {
        problems.push(`memory ${id} belongs to another namespace`);
      } else if (targets.has(id)) {
        problems.push(`memory ${id} is already the target of operation ${targets.get(id)}`);
      } else {
        targets.set(id, index);
      }
    }
    if (kind === 'ADD' || kind === 'UPDATE') {
      const text = checkText(raw, problems);
      checkEmbedding(raw, dims, problems);
      checkOptionalFields(raw, problems);
      if (text !== null && kind === 'ADD') {
        const key = normalizeMemoryText(text);
        const existing = candidateTexts.get(key);
        if (existing) problems.push(`memory ${existing} already says this; use NOOP`);
        else if (addedTexts.has(key)) problems.push(`operation ${addedTexts.get(key)} already adds this text`);
        else addedTexts.set(key, index);
      }
      if (text !== null && kind === 'UPDATE' && typeof raw.id === 'string') {
        const before = current.get(raw.id);
        const newTurns = Array.isArray(raw.sourceTurnIds) ? raw.sourceTurnIds.filter((t) => !before?.sourceTurnIds.includes(t as string)) : [];
        const sameTime = raw.eventTime === undefined || raw.eventTime === before?.eventTime;
        if (before && normalizeMemoryText(before.text) === normalizeMemoryText(text) && sameTime && newTurns.length === 0) {
          problems.push(`UPDATE leaves memory ${raw.id} unchanged; use NOOP`);
        }
      }
    }
    for (const reason of problems) errors.push({ index, reason });
  });

  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, ops: batch.ops as MemoryOp[] };
}
