/**
 * Process-wide counters and gauges in Prometheus text format (exposition format 0.0.4), for the
 * pack's admin endpoint. Clients count requests and errors per endpoint, the limiter its waits, the
 * auth its token renewals; the journal's document counts are added as gauges when scraped.
 *
 * Labels are small and bounded: endpoints and entity sets come from a fixed set of routes or from the
 * flow's configuration, reasons are HTTP statuses or error codes. As a guard against a flow that makes
 * up entity names per message, a metric keeps at most {@link MAX_SERIES} label sets; further ones are
 * counted under labels whose values read `other`.
 */
type Labels = Record<string, string>;

interface Metric {
  help: string;
  type: 'counter' | 'gauge';
  values: Map<string, { labels: Labels; value: number }>;
}

/** Most label sets one metric keeps (beyond: labels `other`). */
export const MAX_SERIES = 500;

/** Every metric the pack exports, with its help text (documented in README «Metrics / Метрики»). */
export const METRICS = {
  documents: {
    name: 'znakflow_documents',
    help: 'Documents in the journal by status group (pending, accepted, rejected, failed, unknown)',
  },
  czRequests: {
    name: 'znakflow_cz_requests_total',
    help: 'HTTP requests sent to Chestny ZNAK (True API), retries included, by endpoint',
  },
  czErrors: {
    name: 'znakflow_cz_errors_total',
    help: 'Requests to Chestny ZNAK that failed, by endpoint and reason (HTTP status, timeout, network)',
  },
  czRetries: {
    name: 'znakflow_cz_retries_total',
    help: 'Requests to Chestny ZNAK repeated after a 429, a 5xx or a network error, by endpoint',
  },
  czTokenRenewals: {
    name: 'znakflow_cz_token_renewals_total',
    help: 'Authentications (a new token) by reason: first, expiring (renewed before expiry), unauthorized (after a 401)',
  },
  czLimiterWaits: {
    name: 'znakflow_cz_limiter_waits_total',
    help: 'Requests to Chestny ZNAK that waited for the rate limiter',
  },
  czLimiterWaitSeconds: {
    name: 'znakflow_cz_limiter_wait_seconds_total',
    help: 'Total time requests to Chestny ZNAK waited for the rate limiter, seconds',
  },
  czLimiterQueue: {
    name: 'znakflow_cz_limiter_queue',
    help: 'Requests to Chestny ZNAK waiting for the rate limiter now',
  },
  onecRequests: {
    name: 'znakflow_onec_requests_total',
    help: 'HTTP requests sent to 1C (OData), retries included, by method and entity set',
  },
  onecErrors: {
    name: 'znakflow_onec_errors_total',
    help: 'Requests to 1C that failed, by method, entity set and error code (ONEC_*)',
  },
  onecRetries: {
    name: 'znakflow_onec_retries_total',
    help: 'Reads from 1C repeated after a timeout, a network error or a 5xx, by entity set',
  },
  serviceCounter: {
    name: 'znakflow_service_counter',
    help: 'Counters of the services a connection holds (ЭДО Лайт, СУЗ …) as the sidebar shows them, by connection, service kind and counter name',
  },
  balance: {
    name: 'znakflow_balance_roubles',
    help: 'Personal-account balance in roubles per participant and product group, as CZ status (balance mode) last read it',
  },
} as const;

export type MetricId = keyof typeof METRICS;

const metrics = new Map<string, Metric>();

function labelKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}

function metric(name: string, help: string, type: Metric['type']): Metric {
  let m = metrics.get(name);
  if (!m) {
    m = { help, type, values: new Map() };
    metrics.set(name, m);
  }
  return m;
}

/** The key under which a label set is kept, folded into `other` once the metric is full. */
function slot(m: Metric, labels: Labels): [string, Labels] {
  const k = labelKey(labels);
  if (m.values.has(k) || m.values.size < MAX_SERIES) return [k, labels];
  const other: Labels = {};
  for (const name of Object.keys(labels)) other[name] = 'other';
  return [labelKey(other), other];
}

export function inc(name: string, help: string, labels: Labels = {}, by = 1): void {
  const m = metric(name, help, 'counter');
  const [k, l] = slot(m, labels);
  const v = m.values.get(k);
  if (v) v.value += by;
  else m.values.set(k, { labels: l, value: by });
}

export function setGauge(name: string, help: string, labels: Labels, value: number): void {
  const m = metric(name, help, 'gauge');
  const [k, l] = slot(m, labels);
  m.values.set(k, { labels: l, value });
}

/** Count one of the pack's own metrics ({@link METRICS}). */
export function count(id: MetricId, labels: Labels = {}, by = 1): void {
  inc(METRICS[id].name, METRICS[id].help, labels, by);
}

/** Set one of the pack's own gauges ({@link METRICS}). */
export function gauge(id: MetricId, labels: Labels, value: number): void {
  setGauge(METRICS[id].name, METRICS[id].help, labels, value);
}

/** Drop every value of a gauge (before it is filled again from the current state). */
export function resetGauge(name: string): void {
  metrics.get(name)?.values.clear();
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function renderPrometheus(): string {
  const out: string[] = [];
  for (const [name, m] of [...metrics].sort(([a], [b]) => a.localeCompare(b))) {
    out.push(`# HELP ${name} ${escapeHelp(m.help)}`);
    out.push(`# TYPE ${name} ${m.type}`);
    for (const { labels, value } of m.values.values()) {
      const l = Object.entries(labels)
        .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
        .join(',');
      out.push(`${name}${l ? `{${l}}` : ''} ${value}`);
    }
  }
  return `${out.join('\n')}\n`;
}

/** Counter read-back, for tests and benchmarks. */
export function counterValue(name: string, labels: Labels = {}): number {
  return metrics.get(name)?.values.get(labelKey(labels))?.value ?? 0;
}

/** Sum of a metric over every label set matching `where` (tests, benchmarks). */
export function metricSum(id: MetricId, where: Labels = {}): number {
  let sum = 0;
  for (const { labels, value } of metrics.get(METRICS[id].name)?.values.values() ?? []) {
    if (Object.entries(where).every(([k, v]) => labels[k] === v)) sum += value;
  }
  return sum;
}
