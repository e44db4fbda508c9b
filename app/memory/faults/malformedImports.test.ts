/**
 * The malformed-file generator against the real importBank (fake-indexeddb): every kind is refused with a reason
 * and the bank is byte-identical afterwards. The browser run of the same generator is bench:faults (1000 files).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMemoryOps } from '../applyMemoryOps';
import { BankImportError, exportBank } from '../exportImport';
import { importBank } from '../exportImportPlan';
import { openTestBank } from '../testing/bankFixtures';
import { installBrowserFileShims } from '../testing/browserFileShims';
import { dumpBank } from './bankSnapshot';
import { MALFORMED_IMPORT_KINDS, malformedImports, seedHostileBank } from './malformedImports';
import { toMemoryOpBatch } from './opBatches';

let uninstall: () => void;
beforeAll(() => {
  uninstall = installBrowserFileShims();
});
afterAll(() => uninstall());

describe('malformed bank files', () => {
  it('every kind is refused with a reason, and the bank stays byte-identical', async () => {
    const db = openTestBank();
    await seedHostileBank(db, (plan) => applyMemoryOps(db, toMemoryOpBatch(plan)));
    const valid = await (await exportBank(db)).text();
    const before = await dumpBank(db);
    // The valid file itself goes in (merge onto the same rows): the generator's damage is what makes the others fail.
    await importBank(db, new Blob([valid]));
    expect(await dumpBank(db)).toBe(before);

    const files = malformedImports(valid, MALFORMED_IMPORT_KINDS.length * 8, 3);
    const refused = new Map<string, number>();
    for (const bad of files) {
      const outcome = await importBank(db, new Blob([bad.content as BlobPart])).then(
        () => 'accepted',
        (error: unknown) =>
          error instanceof BankImportError && /nothing was imported/.test(error.message) ? 'refused' : `failed without a reason: ${String(error)}`,
      );
      expect(outcome, `${bad.kind}: ${String(bad.content).slice(0, 200)}`).toBe('refused');
      refused.set(bad.kind, (refused.get(bad.kind) ?? 0) + 1);
      expect(await dumpBank(db), bad.kind).toBe(before);
    }
    expect([...refused.keys()].sort()).toEqual([...MALFORMED_IMPORT_KINDS].sort());
    await db.delete();
  }, 60_000);
});
