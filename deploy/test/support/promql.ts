/**
 * Metric names used in a PromQL expression. Enough of PromQL for our rules and dashboard: label
 * matchers, ranges, grouping clauses and string literals are dropped, functions and keywords skipped.
 */
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'offset', 'bool', 'inf', 'nan']);

export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*(?=\s*(\(?))/g)) {
    const word = match[0];
    const isFunction = match[1] === '(';
    if (isFunction || KEYWORDS.has(word.toLowerCase())) continue;
    const before = stripped[match.index! - 1];
    if (before !== undefined && /[0-9.]/.test(before)) continue; // e.g. the "e" or unit of a number
    names.add(word);
  }
  return [...names];
}
