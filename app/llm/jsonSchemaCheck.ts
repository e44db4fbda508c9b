import type { JsonSchema } from './types';

export interface SchemaCheck {
  ok: boolean;
  /** What is wrong, one line per problem; empty when ok. */
  errors: string[];
  value?: unknown;
}

/**
 * Parses a model's output and checks it against a JSON schema (the validator loaded only when needed). The engines'
 * grammars should make this always pass; checking anyway is how we find out when an engine silently ignored it.
 *
 * Why @cfworker/json-schema and not Ajv: Ajv compiles every schema to code with `new Function`, which the app's CSP
 * (no 'unsafe-eval') refuses in the page; this validator interprets the schema, and the schema is the user's, typed
 * at run time, so it cannot be compiled ahead.
 */
const WRAPPER_KEYWORDS = new Set(['properties', 'items', 'prefixItems', 'false']);

export async function checkJsonAgainstSchema(text: string, schema: JsonSchema): Promise<SchemaCheck> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, errors: [`not JSON: ${error instanceof Error ? error.message : String(error)}`] };
  }
  const { Validator } = await import('@cfworker/json-schema');
  // All errors, not the first: the Playground lists each problem.
  const result = new Validator(schema as ConstructorParameters<typeof Validator>[0], '2020-12', false).validate(value);
  if (result.valid) return { ok: true, errors: [], value };
  // The validator also reports every enclosing 'properties'/'items' as failed because an inner value did, and an
  // additional property twice (its parent names it; the property itself fails the `false` schema): keep the causes.
  const causes = result.errors.filter((e) => !WRAPPER_KEYWORDS.has(e.keyword));
  return { ok: false, value, errors: causes.map((e) => `${e.instanceLocation.replace(/^#/, '') || '(root)'} ${e.error}`) };
}
