/**
 * Parses the memory-update reply, Memory-R1's `{"memory":[{"id","text","event","old_memory"?}]}`. Total: any
 * text gives the entries or every reason it is not valid (one line each, naming the entry), never an exception.
 * Checks the shape only; whether the ids name memories that were shown is remapMemoryIds.ts' job, and whether
 * the operations make sense against the bank is validateMemoryOps'.
 */
import { describeValue, type ParseResult, parseJson } from './parseResult';
import { MAX_MEMORY_UPDATE_TEXT_LENGTH, MEMORY_EVENTS, type MemoryEvent } from './prompts/memoryUpdatePrompt';

export interface MemoryUpdateEntry {
  /** A shown memory's short id for UPDATE / DELETE / NOOP; for ADD whatever new id the model invented. */
  id: string;
  text: string;
  event: MemoryEvent;
  /** Memory-R1's copy of the replaced text, when the model gives one (informational only). */
  oldMemory?: string;
}

export interface ParseMemoryUpdateOptions {
  /** Most entries allowed (the prompt asks for one per fact). */
  maxEntries?: number;
  maxTextLength?: number;
}

const ALLOWED_FIELDS = new Set(['id', 'text', 'event', 'old_memory']);
const EVENTS = new Set<string>(MEMORY_EVENTS);

export function parseMemoryUpdate(text: string, options: ParseMemoryUpdateOptions = {}): ParseResult<MemoryUpdateEntry[]> {
  const maxTextLength = options.maxTextLength ?? MAX_MEMORY_UPDATE_TEXT_LENGTH;
  const json = parseJson(text);
  if (!json.ok) return json;
  const root = json.value;
  if (typeof root !== 'object' || root === null || Array.isArray(root)) {
    return { ok: false, errors: [`the reply must be a JSON object {"memory": [...]}, got ${describeValue(root)}`] };
  }
  const errors: string[] = [];
  const extra = Object.keys(root).filter((k) => k !== 'memory');
  if (extra.length > 0)
    errors.push(`unexpected field${extra.length > 1 ? 's' : ''} ${extra.map((k) => describeValue(k)).join(', ')}; only "memory" is allowed`);
  const list = (root as Record<string, unknown>).memory;
  if (!Array.isArray(list)) {
    errors.push(`"memory" must be an array of entries, got ${describeValue(list)}`);
    return { ok: false, errors };
  }
  if (list.length === 0) errors.push('"memory" is empty; give one entry for each new fact');
  if (options.maxEntries !== undefined && list.length > options.maxEntries) {
    errors.push(`${list.length} entries; at most ${options.maxEntries} are allowed (one per new fact)`);
  }

  const entries: MemoryUpdateEntry[] = [];
  const targets = new Map<string, number>();
  list.forEach((raw, i) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      errors.push(`entry ${i} must be an object, got ${describeValue(raw)}`);
      return;
    }
    const item = raw as Record<string, unknown>;
    const problems: string[] = [];
    const event = item.event;
    const known = typeof event === 'string' && EVENTS.has(event);
    if (!known) problems.push(`unknown event ${describeValue(event)}; expected ADD, UPDATE, DELETE or NOOP`);
    for (const key of Object.keys(item)) {
      if (!ALLOWED_FIELDS.has(key)) problems.push(`unexpected field ${describeValue(key)}`);
    }
    const id = item.id;
    if (typeof id !== 'string') problems.push(`"id" must be a string, got ${describeValue(id)}`);
    else if (id.trim() === '' && event !== 'ADD') problems.push('"id" is empty');
    const entryText = item.text;
    if (typeof entryText !== 'string') {
      problems.push(`"text" must be a string, got ${describeValue(entryText)}`);
    } else {
      if ((event === 'ADD' || event === 'UPDATE') && entryText.trim() === '') problems.push(`"text" is empty; ${event} needs the memory's text`);
      if (entryText.length > maxTextLength) problems.push(`"text" is ${entryText.length} characters; at most ${maxTextLength} are allowed`);
    }
    const old = item.old_memory;
    if (old !== undefined && typeof old !== 'string') problems.push(`"old_memory" must be a string, got ${describeValue(old)}`);
    else if (typeof old === 'string' && old.length > maxTextLength)
      problems.push(`"old_memory" is ${old.length} characters; at most ${maxTextLength} are allowed`);

    if (known && event !== 'ADD' && typeof id === 'string') {
      const previous = targets.get(id.trim());
      if (previous !== undefined) problems.push(`memory ${describeValue(id)} is already the target of entry ${previous}; one entry per memory`);
      else targets.set(id.trim(), i);
    }
    const label = `entry ${i}${known ? ` (${event})` : ''}`;
    for (const p of problems) errors.push(`${label}: ${p}`);
    if (problems.length === 0) {
      entries.push({
        id: (id as string).trim(),
        text: (entryText as string).trim(),
        event: event as MemoryEvent,
        ...(typeof old === 'string' ? { oldMemory: old } : {}),
      });
    }
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: entries };
}
