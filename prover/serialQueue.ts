/**
 * One task at a time, in the order asked: the prover's compute (one CPU-bound engine: two
 * challenges computed together would each take twice as long, and both risk their deadlines) and
 * the tx sender's nonce-ordered sends. A task that fails does not stop the ones queued after it.
 * @module
 */

export interface SerialQueue {
  /** Runs `task` after every task queued before it has settled; resolves or rejects as it does. */
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Tasks queued or running. */
  readonly size: number;
}

export function createSerialQueue(): SerialQueue {
  let tail: Promise<unknown> = Promise.resolve();
  let size = 0;
  return {
    run<T>(task: () => Promise<T>): Promise<T> {
      size++;
      const result = tail.then(task).finally(() => {
        size--;
      });
      // The next task waits for this one to settle, whichever way.
      tail = result.catch(() => {});
      return result;
    },
    get size() {
      return size;
    },
  };
}
