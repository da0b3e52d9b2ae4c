/** Kubernetes label selector semantics (matchLabels AND matchExpressions), as the API server applies them. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

export class UnknownSelectorOperatorError extends Error {
  readonly code = 'UNKNOWN_SELECTOR_OPERATOR';
}

export function selectorMatches(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const expr of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, expr.key);
    switch (expr.operator) {
      case 'In':
        if (!has || !(expr.values ?? []).includes(labels[expr.key])) return false;
        break;
      case 'NotIn':
        if (has && (expr.values ?? []).includes(labels[expr.key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        throw new UnknownSelectorOperatorError(`unknown selector operator ${String(expr.operator)}`);
    }
  }
  return true;
}

/** Service selectors are plain maps: an empty or missing one selects nothing we manage. */
export function mapSelectorMatches(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return selectorMatches({ matchLabels: selector }, labels);
}
