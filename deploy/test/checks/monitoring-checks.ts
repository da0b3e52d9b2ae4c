import { metricNames } from '../support/promql.js';

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface RuleGroups {
  groups: { name: string; rules: AlertRule[] }[];
}

/** The alerts the issue asks for, by the condition each one covers. */
export const REQUIRED_ALERTS: Record<string, string> = {
  'no ready gateway': 'TradingGatewayNoneReady',
  'NATS disconnected': 'TradingNatsDisconnected',
  'slow-consumer closes rising': 'TradingSlowConsumerClosesRising',
  'engine journal lag': 'TradingEngineJournalLag',
  'engine standby missing': 'TradingEngineStandbyMissing',
};

/** GitHub-style heading anchors of a markdown document. */
export function markdownAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const m of markdown.matchAll(/^#{1,6}\s+(.+)$/gm)) {
    anchors.add(
      m[1]
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-'),
    );
  }
  return anchors;
}

export function alertProblems(rules: RuleGroups, exposed: Set<string>, operationsDoc: string): string[] {
  const problems: string[] = [];
  const all = rules.groups.flatMap((g) => g.rules);
  const anchors = markdownAnchors(operationsDoc);
  for (const [condition, name] of Object.entries(REQUIRED_ALERTS)) {
    if (!all.some((r) => r.alert === name)) problems.push(`no alert ${name} (${condition})`);
  }
  for (const rule of all) {
    for (const metric of metricNames(rule.expr)) {
      if (!exposed.has(metric)) problems.push(`${rule.alert}: ${metric} is not a metric the apps expose`);
    }
    if (!['critical', 'warning'].includes(rule.labels?.severity ?? '')) problems.push(`${rule.alert}: severity must be critical or warning`);
    if (rule.for === undefined) problems.push(`${rule.alert}: needs a "for" duration`);
    if (!rule.annotations?.summary) problems.push(`${rule.alert}: needs a summary`);
    const runbook = rule.annotations?.runbook ?? '';
    const anchor = /^docs\/operations\.md#(.+)$/.exec(runbook)?.[1];
    if (!anchor) problems.push(`${rule.alert}: runbook annotation must point into docs/operations.md`);
    else if (!anchors.has(anchor)) problems.push(`${rule.alert}: docs/operations.md has no section #${anchor}`);
  }
  return problems;
}

export function dashboardProblems(dashboard: { panels: { title: string; targets?: { expr: string }[] }[] }, exposed: Set<string>): string[] {
  const problems: string[] = [];
  for (const panel of dashboard.panels) {
    for (const target of panel.targets ?? []) {
      for (const metric of metricNames(target.expr)) if (!exposed.has(metric)) problems.push(`panel "${panel.title}": ${metric} is not a metric the apps expose`);
    }
  }
  return problems;
}
