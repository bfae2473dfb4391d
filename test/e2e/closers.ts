/**
 * What a test started, to stop in reverse order: each step bounded in time and its failure logged, so a
 * hung or failed part never keeps the others (or the topics) alive.
 */
export class Closers {
  readonly #steps: Array<readonly [string, () => Promise<unknown>]> = [];
  #closed: Promise<void> | undefined;

  /** ms one step may take before the next one runs. */
  constructor(readonly stepTimeoutMs = 30_000) {}

  add(name: string, stop: () => Promise<unknown>): void {
    this.#steps.push([name, stop]);
  }

  /** Registers `stop` first, then starts: a part that failed half-way is stopped too. */
  async up(name: string, start: () => Promise<unknown>, stop: () => Promise<unknown>): Promise<void> {
    this.add(name, stop);
    await start();
  }

  /** Idempotent. */
  closeAll(): Promise<void> {
    this.#closed ??= this.#run();
    return this.#closed;
  }

  async #run(): Promise<void> {
    for (const [name, stop] of [...this.#steps].reverse()) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`took > ${this.stepTimeoutMs} ms`)), this.stepTimeoutMs);
      });
      await Promise.race([stop(), timeout])
        .catch((err: unknown) => console.error(`e2e teardown: ${name}: ${(err as Error).message}`))
        .finally(() => clearTimeout(timer));
    }
  }
}
