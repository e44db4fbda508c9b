/**
 * Building blocks of the worker protocols' valibot schemas: each protocol (embedProtocol.ts, retrievalProtocol.ts)
 * defines its messages once as schemas, and its TypeScript types and guards come from them.
 */
import * as v from 'valibot';

/** A request id: a safe integer. */
export const requestId = v.pipe(v.number(), v.safeInteger());
/** A count or a size: a non-negative safe integer. */
export const count = v.pipe(v.number(), v.safeInteger(), v.minValue(0));
export const finiteNumber = v.pipe(v.number(), v.finite());
/** Structured clone keeps typed arrays typed: a vector arrives as a Float32Array, never a plain array. */
export const float32Array = v.custom<Float32Array>((value) => value instanceof Float32Array, 'must be a Float32Array');
/** An error reply: `id` is null when the failing message carried no usable id (a malformed request). */
export const errorReply = v.object({ type: v.literal('error'), id: v.nullable(requestId), message: v.string() });

/** A type guard from a schema, for the worker RPC and host. */
export function guard<TSchema extends v.GenericSchema>(schema: TSchema): (message: unknown) => message is v.InferOutput<TSchema> {
  return (message): message is v.InferOutput<TSchema> => v.is(schema, message);
}
