import type { ReplicaStatus } from '@trading/client';
import { el } from '../dom.js';

const CLOSE_REASONS: Record<number, string> = {
  1000: 'closed',
  1001: 'replica shutting down',
  1006: 'unreachable',
  1008: 'policy violation',
  4000: 'heartbeat timeout',
  4001: 'connect timeout',
  4008: 'slow consumer',
};

/** One pill per gateway replica: open / connecting / closed (with why), and which one is in use. */
export class ReplicaStatusView {
  constructor(private readonly list: HTMLElement) {}

  render(replicas: ReplicaStatus[], current: string | undefined): void {
    this.list.replaceChildren(
      ...replicas.map((r) => {
        const why = r.state === 'closed' && r.code !== undefined ? ` (${CLOSE_REASONS[r.code] ?? `code ${r.code}`})` : '';
        const label = `${new URL(r.url).host} — ${r.state}${why}${r.url === current && r.state === 'open' ? ' ★' : ''}`;
        return el('li', { class: `replica ${r.state}`, 'data-url': r.url, 'data-state': r.state, 'data-current': String(r.url === current) }, label);
      }),
    );
  }
}
