/**
 * npm run check:bundle — CI's size gate (.ci/run, after lint, before the tests): builds the app as bench:bundle
 * does and exits 1 when the first screen's JavaScript passes FIRST_SCREEN_BUDGET_GZIP_BYTES or an engine stops
 * being a chunk of its own. A production build takes minutes on a loaded CPU, so it runs once here rather than
 * inside the unit suite.
 */
import { pathToFileURL } from 'node:url';
import { type BundleReport, FIRST_SCREEN_BUDGET_GZIP_BYTES, measureBundle } from '../bench/bundle';

/** Chunks that must load only when needed (file-name prefixes): the embedding worker and both browser engines. */
export const LAZY_CHUNKS = ['embed.worker-', 'wllamaClient-', 'webllmClient-'];

/** Every way the build breaks the budget; empty when it keeps it. */
export function bundleProblems(report: BundleReport, budgetBytes = FIRST_SCREEN_BUDGET_GZIP_BYTES): string[] {
  const problems: string[] = [];
  if (report.firstScreenGzipBytes > budgetBytes) {
    const files = report.firstScreen.map((c) => `${c.file} (${kb(c.gzipBytes)} KB)`).join(', ');
    problems.push(`first screen is ${kb(report.firstScreenGzipBytes)} KB of gzip, over the ${kb(budgetBytes)} KB budget: ${files}`);
  }
  const base = (file: string) => file.slice(file.lastIndexOf('/') + 1);
  for (const prefix of LAZY_CHUNKS) {
    const eager = report.firstScreen.find((c) => base(c.file).startsWith(prefix));
    if (eager) problems.push(`${eager.file} loads with the first screen; it must load only when needed`);
    else if (!report.lazy.some((c) => base(c.file).startsWith(prefix)))
      problems.push(`no lazily loaded chunk named ${prefix}*: it was bundled into another chunk`);
  }
  return problems;
}

const kb = (bytes: number) => (bytes / 1024).toFixed(1);

async function main() {
  const report = await measureBundle();
  const problems = bundleProblems(report);
  for (const p of problems) console.error(`check:bundle: ${p}`);
  if (problems.length > 0) process.exit(1);
  console.log(
    `check:bundle: first screen ${kb(report.firstScreenGzipBytes)} KB of gzip (budget ${kb(FIRST_SCREEN_BUDGET_GZIP_BYTES)} KB); ${LAZY_CHUNKS.map((p) => `${p}*`).join(', ')} lazy`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
