/**
 * Open orders the simulator believes each (user, symbol) has, oldest first. It is kept current
 * from command replies and from the users' own OrderUpdate stream; a stale entry only costs one
 * ORDER_NOT_FOUND refusal, which also removes it.
 */
export class OpenOrders {
  private readonly byKey = new Map<string, string[]>();

  private static key(userId: string, symbol: string): string {
    return `${userId}|${symbol}`;
  }

  add(userId: string, symbol: string, orderId: string): void {
    const key = OpenOrders.key(userId, symbol);
    const list = this.byKey.get(key) ?? [];
    if (!list.includes(orderId)) list.push(orderId);
    this.byKey.set(key, list);
  }

  remove(userId: string, symbol: string, orderId: string): void {
    const list = this.byKey.get(OpenOrders.key(userId, symbol));
    if (!list) return;
    const index = list.indexOf(orderId);
    if (index >= 0) list.splice(index, 1);
  }

  list(userId: string, symbol: string): readonly string[] {
    return this.byKey.get(OpenOrders.key(userId, symbol)) ?? [];
  }

  get total(): number {
    let n = 0;
    for (const list of this.byKey.values()) n += list.length;
    return n;
  }
}
