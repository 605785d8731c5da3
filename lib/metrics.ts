/**
 * Process-wide counters and gauges in Prometheus text format (exposition format 0.0.4), for the
 * pack's admin endpoint. Clients count requests and errors per endpoint, the limiter its waits, the
 * auth its token renewals; the journal's document counts are added as gauges when scraped.
 */
type Labels = Record<string, string>;

interface Metric {
  help: string;
  type: 'counter' | 'gauge';
  values: Map<string, { labels: Labels; value: number }>;
}

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

export function inc(name: string, help: string, labels: Labels = {}, by = 1): void {
  const m = metric(name, help, 'counter');
  const k = labelKey(labels);
  const v = m.values.get(k);
  if (v) v.value += by;
  else m.values.set(k, { labels, value: by });
}

export function setGauge(name: string, help: string, labels: Labels, value: number): void {
  const m = metric(name, help, 'gauge');
  m.values.set(labelKey(labels), { labels, value });
}

/** Drop every value of a gauge (before it is filled again from the current state). */
export function resetGauge(name: string): void {
  metrics.get(name)?.values.clear();
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

export function renderPrometheus(): string {
  const out: string[] = [];
  for (const [name, m] of [...metrics].sort(([a], [b]) => a.localeCompare(b))) {
    out.push(`# HELP ${name} ${m.help}`);
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
