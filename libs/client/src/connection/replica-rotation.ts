/**
 * Chooses which gateway replica to try next: round-robin over the list, so the replica that just
 * failed is skipped whenever there is another one. The first pick can be random to spread a fleet
 * of clients over the replicas.
 */
export class ReplicaRotation {
  private index: number;

  constructor(
    readonly urls: readonly string[],
    startIndex = 0,
  ) {
    if (urls.length === 0) throw new RangeError('at least one URL is needed');
    this.index = ((startIndex % urls.length) + urls.length) % urls.length;
  }

  /** The replica to use now. */
  get current(): string {
    return this.urls[this.index];
  }

  /** Moves past the current replica (after it failed or closed) and returns the next one. */
  advance(): string {
    this.index = (this.index + 1) % this.urls.length;
    return this.current;
  }
}
