/**
 * dexie-export-import is browser code: it reads `self` (when it loads and on every import) and reads Blobs with
 * FileReader. Node 20 has Blob but neither of those. These are the smallest stand-ins that let its real code run
 * in tests; the returned function removes them again, so no other test sees a `self` that could make a library
 * believe it runs in a web worker.
 */
export function installBrowserFileShims(): () => void {
  const g = globalThis as unknown as Record<string, unknown>;
  const added: string[] = [];
  if (!('self' in g)) {
    g.self = globalThis;
    added.push('self');
  }
  if (!('FileReader' in g)) {
    g.FileReader = ArrayBufferFileReader;
    added.push('FileReader');
  }
  return () => {
    for (const name of added) delete g[name];
  };
}

type ReaderEvent = { target: ArrayBufferFileReader };

/** Only what dexie-export-import uses: readAsArrayBuffer with onload / onerror. */
class ArrayBufferFileReader {
  result: ArrayBuffer | null = null;
  error: unknown = null;
  onload: ((event: ReaderEvent) => void) | null = null;
  onerror: ((event: ReaderEvent) => void) | null = null;
  onabort: ((event: ReaderEvent) => void) | null = null;

  readAsArrayBuffer(blob: Blob): void {
    blob.arrayBuffer().then(
      (buffer) => {
        this.result = buffer;
        this.onload?.({ target: this });
      },
      (error: unknown) => {
        this.error = error;
        this.onerror?.({ target: this });
      },
    );
  }
}
