/**
 * Bounds how long any operation waits, with one interval timer for all operations in flight
 * instead of one timer per command (per-command timers cost several times the throughput
 * at high concurrency). All operations share one timeout, so a FIFO list is in deadline
 * order: settled operations unlink themselves in O(1), and the sweep looks only at the
 * oldest. Memory is proportional to the operations in flight, nothing more.
 */

interface Entry {
  readonly at: number;
  readonly reject: (err: Error) => void;
  prev: Entry | undefined;
  next: Entry | undefined;
}

export class DeadlineWatch {
  private first: Entry | undefined;
  private last: Entry | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly timeoutMs: number,
    private readonly onTimeout: () => Error,
  ) {}

  /**
   * Resolves like `promise`, or rejects with `onTimeout()` once `timeoutMs` has passed. With
   * `onError`, a rejection of `promise` settles the result with what `onError(err)` returns (or
   * throws) instead — mapped in place, without another promise.
   */
  bound<T, E = never>(promise: Promise<T>, onError?: (err: unknown) => E): Promise<T | E> {
    return new Promise<T | E>((resolve, reject) => {
      const entry: Entry = {
        at: performance.now() + this.timeoutMs,
        reject,
        prev: this.last,
        next: undefined,
      };
      if (this.last) this.last.next = entry;
      else this.first = entry;
      this.last = entry;
      this.arm();
      promise.then(
        (value) => {
          this.unlink(entry);
          resolve(value);
        },
        (err: unknown) => {
          this.unlink(entry);
          if (!onError) return reject(err);
          try {
            resolve(onError(err));
          } catch (mapped) {
            reject(mapped);
          }
        },
      );
    });
  }

  /** Rejects everything still waiting and stops the timer. */
  stop(err: Error): void {
    let entry = this.first;
    this.first = this.last = undefined;
    while (entry) {
      const next = entry.next;
      entry.prev = entry.next = undefined;
      entry.reject(err);
      entry = next;
    }
    this.disarm();
  }

  private unlink(entry: Entry): void {
    if (entry.prev) entry.prev.next = entry.next;
    else if (this.first === entry) this.first = entry.next;
    else return; // already removed (timed out or stopped)
    if (entry.next) entry.next.prev = entry.prev;
    else this.last = entry.prev;
    entry.prev = entry.next = undefined;
  }

  private arm(): void {
    if (this.timer) return;
    const every = Math.max(5, Math.min(250, Math.floor(this.timeoutMs / 10)));
    this.timer = setInterval(() => this.sweep(), every);
    this.timer.unref();
  }

  private disarm(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private sweep(): void {
    const now = performance.now();
    while (this.first && this.first.at <= now) {
      const entry = this.first;
      this.unlink(entry);
      entry.reject(this.onTimeout());
    }
    if (!this.first) this.disarm();
  }
}
