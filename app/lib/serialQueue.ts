/**
 * Runs async tasks one at a time, in the order they were queued. Engines that hold one model context (llama.cpp,
 * web-llm, an ONNX session) and the worker hosts serve calls through one of these so a call never interleaves with
 * another. A task that fails rejects only its own caller; the next task still runs.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
