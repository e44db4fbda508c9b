/**
 * Parses the fact-extraction reply `{"facts": [string]}`. Total: any text gives a value or reasons, never an
 * exception. An empty list is a valid reply (a turn of small talk has no facts); a reply that is not exactly this
 * shape is an error, never silently "no facts".
 */
import { normalizeMemoryText } from '../memory/validateMemoryOps';
import { describeValue, type ParseResult, parseJson } from './parseResult';
import { MAX_FACT_LENGTH, MAX_FACTS } from './prompts/factExtractionPrompt';

export interface ParseFactsOptions {
  maxFacts?: number;
  maxFactLength?: number;
}

/** The facts, trimmed, with repeats (same text up to case and spacing) dropped. */
export function parseFacts(text: string, options: ParseFactsOptions = {}): ParseResult<string[]> {
  const maxFacts = options.maxFacts ?? MAX_FACTS;
  const maxLength = options.maxFactLength ?? MAX_FACT_LENGTH;
  const json = parseJson(text);
  if (!json.ok) return json;
  const root = json.value;
  if (typeof root !== 'object' || root === null || Array.isArray(root)) {
    return { ok: false, errors: [`the reply must be a JSON object {"facts": [...]}, got ${describeValue(root)}`] };
  }
  const errors: string[] = [];
  const extra = Object.keys(root).filter((k) => k !== 'facts');
  if (extra.length > 0) errors.push(`unexpected field${extra.length > 1 ? 's' : ''} ${extra.map((k) => describeValue(k)).join(', ')}; only "facts" is allowed`);
  const facts = (root as Record<string, unknown>).facts;
  if (!Array.isArray(facts)) {
    errors.push(`"facts" must be an array of strings, got ${describeValue(facts)}`);
    return { ok: false, errors };
  }
  if (facts.length > maxFacts) errors.push(`${facts.length} facts; at most ${maxFacts} are allowed`);
  const out: string[] = [];
  const seen = new Set<string>();
  facts.forEach((fact, i) => {
    if (typeof fact !== 'string') {
      errors.push(`fact ${i} must be a string, got ${describeValue(fact)}`);
      return;
    }
    const trimmed = fact.trim();
    if (trimmed === '') {
      errors.push(`fact ${i} is empty`);
      return;
    }
    if (trimmed.length > maxLength) {
      errors.push(`fact ${i} is ${trimmed.length} characters; at most ${maxLength} are allowed`);
      return;
    }
    const key = normalizeMemoryText(trimmed);
    if (seen.has(key)) return;
    seen.add(key);
    out.push(trimmed);
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: out };
}
