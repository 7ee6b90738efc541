/**
 * The value of one sample in Prometheus's text format, or undefined when the series is absent.
 * `labels` must list every label of the series, in the order prom-client writes them.
 */
export function sampleValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const pairs = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  const series = pairs.length === 0 ? name : `${name}{${pairs.join(',')}}`;
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Every label value a metric has series for. */
export function labelValues(text: string, name: string, label: string): string[] {
  const pattern = new RegExp(`^${name}\\{(?:.*,)?${label}="([^"]*)"`);
  return text.split('\n').flatMap((line) => {
    const match = pattern.exec(line);
    return match ? [match[1] as string] : [];
  });
}
