// Reads the app page's bank for the fault driver with the very functions of app/memory/faults/bankSnapshot.ts: a
// production page cannot import modules it was not built with, so their source text runs there (both are
// self-contained: they touch nothing but the db they are given).
import type { Page } from '@playwright/test';
import { type BankSnapshot, dumpBank, snapshotBank } from '../app/memory/faults/bankSnapshot';

export async function snapshotBankInPage(page: Page, namespace: string): Promise<BankSnapshot> {
  return page.evaluate<BankSnapshot>(`(${snapshotBank.toString()})(globalThis.memoryR1.bank.db, ${JSON.stringify(namespace)})`);
}

/** Every row of every table, embeddings as bytes, rows sorted: equal strings mean a byte-identical bank. */
export async function dumpBankInPage(page: Page): Promise<string> {
  return page.evaluate<string>(`(${dumpBank.toString()})(globalThis.memoryR1.bank.db)`);
}
