/**
 * What every parser of model output returns. Parsers of model output are total: a small model's output can be
 * anything, so bad output is a value (`ok: false` with one readable line per problem), never an exception.
 */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; errors: string[] };

/** A short, printable excerpt of a value for error messages: model output can be megabytes of garbage. */
export function describeValue(value: unknown, maxChars = 40): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') {
    const shown = value.length > maxChars ? `${value.slice(0, maxChars)}…` : value;
    return JSON.stringify(shown);
  }
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

/** JSON.parse as a ParseResult, with the engine's reason and where the text ends when it was cut off. */
export function parseJson(text: string): ParseResult<unknown> {
  if (typeof text !== 'string') return { ok: false, errors: [`expected the model's text, got ${describeValue(text)}`] };
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, errors: ['the output is empty; expected a JSON object'] };
  try {
    return { ok: true, value: JSON.parse(trimmed) as unknown };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const tail = trimmed.length > 30 ? `…${trimmed.slice(-30)}` : trimmed;
    return { ok: false, errors: [`the output is not valid JSON (${reason}); it ends with ${JSON.stringify(tail)}`] };
  }
}
