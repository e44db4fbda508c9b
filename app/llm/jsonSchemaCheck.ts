import type { JsonSchema } from './types';

export interface SchemaCheck {
  ok: boolean;
  /** What is wrong, one line per problem; empty when ok. */
  errors: string[];
  value?: unknown;
}

/**
 * Parses a model's output and checks it against a JSON schema with Ajv (loaded only when needed). The engines'
 * grammars should make this always pass; checking anyway is how we find out when an engine silently ignored it.
 */
export async function checkJsonAgainstSchema(text: string, schema: JsonSchema): Promise<SchemaCheck> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, errors: [`not JSON: ${error instanceof Error ? error.message : String(error)}`] };
  }
  const { Ajv } = await import('ajv');
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  if (validate(value)) return { ok: true, errors: [], value };
  return {
    ok: false,
    value,
    errors: (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`),
  };
}
