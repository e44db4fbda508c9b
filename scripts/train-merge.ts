/**
 * The committed LoRA adapter (train/adapters/answer-agent-grpo, written by npm run bench:train) merged into the
 * pinned test GGUF without torch: train/merge_lora_gguf.py in a small venv (numpy, gguf, safetensors from the
 * hash-locked train/requirements-merge.txt, created on first use). The e2e test loads the result in the app.
 *
 *   npx tsx scripts/train-merge.ts [--adapter <peft dir>] [--base <file.gguf>]
 *
 * The output's name carries a hash of the adapter and the base, so the same inputs reuse the same file and other
 * inputs never overwrite it.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { MODELS_DIR, TEST_CHAT_GGUF_PATH } from './test-models';
import { REPO_ROOT, TRAIN_DIR } from './train';

export const COMMITTED_ADAPTER = path.join(TRAIN_DIR, 'adapters', 'answer-agent-grpo');
const MERGE_VENV = path.join(TRAIN_DIR, '.venv-merge');

function sha256(...files: string[]): string {
  const h = createHash('sha256');
  for (const f of files) h.update(readFileSync(f));
  return h.digest('hex');
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
}

/** train/.venv-merge from the hash-locked light requirements; re-made when the lock changes. Returns its python. */
export function ensureMergeVenv(): string {
  const python = path.join(MERGE_VENV, 'bin', 'python');
  const lock = path.join(TRAIN_DIR, 'requirements-merge.txt');
  const stamp = path.join(MERGE_VENV, 'requirements.sha256');
  const want = sha256(lock);
  if (existsSync(python) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === want) return python;
  if (!existsSync(python)) run('python3', ['-m', 'venv', MERGE_VENV]);
  run(python, ['-m', 'pip', 'install', '--quiet', '--require-hashes', '--no-deps', '-r', lock]);
  writeFileSync(stamp, `${want}\n`);
  return python;
}

/** Merges `adapter` into `base`; returns the GGUF's path under models/trained/ (reused when already made). */
export function mergeAdapter(adapter = COMMITTED_ADAPTER, base = TEST_CHAT_GGUF_PATH): string {
  const weights = path.join(adapter, 'adapter_model.safetensors');
  const config = path.join(adapter, 'adapter_config.json');
  if (!existsSync(weights) || !existsSync(config)) throw new Error(`${adapter}: no adapter_model.safetensors and adapter_config.json (a PEFT LoRA folder)`);
  if (!existsSync(base)) throw new Error(`${base}: no such GGUF (run npm run models:fetch)`);
  const id = sha256(weights, config, base).slice(0, 12);
  const out = path.join(MODELS_DIR, 'trained', `${path.basename(base, '.gguf')}-${path.basename(adapter)}-${id}.Q8_0.gguf`);
  if (existsSync(out)) return out;
  mkdirSync(path.dirname(out), { recursive: true });
  const partial = `${out}.partial-${process.pid}`;
  rmSync(partial, { force: true });
  run(ensureMergeVenv(), [path.join(TRAIN_DIR, 'merge_lora_gguf.py'), base, adapter, partial]);
  renameSync(partial, out);
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { adapter: { type: 'string' }, base: { type: 'string' } } });
  const out = mergeAdapter(values.adapter ? path.resolve(values.adapter) : undefined, values.base ? path.resolve(values.base) : undefined);
  console.log(`merged → ${path.relative(REPO_ROOT, out)}`);
}
