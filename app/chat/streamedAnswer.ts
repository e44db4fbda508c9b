/**
 * The Answer Agent's reply streams as JSON (`{"memory_ids":[…],"answer":"…`); a person should see the answer
 * growing, not the JSON. Reads the `answer` string out of a prefix of that JSON, however far it has come.
 */
export function answerSoFar(partialJson: string): string {
  const start = /"answer"\s*:\s*"/.exec(partialJson);
  if (!start) return '';
  let out = '';
  for (let i = start.index + start[0].length; i < partialJson.length; i++) {
    const c = partialJson[i]!;
    if (c === '"') break;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = partialJson[i + 1];
    if (next === undefined) break;
    if (next === 'u') {
      const hex = partialJson.slice(i + 2, i + 6);
      if (hex.length < 4) break;
      out += String.fromCharCode(Number.parseInt(hex, 16));
      i += 5;
    } else {
      out += ({ n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' } as Record<string, string>)[next] ?? next;
      i += 1;
    }
  }
  return out;
}
