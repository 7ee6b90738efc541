/**
 * Reads Prometheus's text format into `name{labels}` -> value, labels as the exposition
 * writes them (prom-client sorts nothing: they come in the order they were declared).
 * Comment lines (# HELP, # TYPE) and blank lines are skipped.
 */
export function parseMetrics(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;

    const space = line.lastIndexOf(' ');
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

/** A sample's value; throws when the scrape does not hold it, so a typo cannot pass. */
export function sample(samples: Map<string, number>, series: string): number {
  const value = samples.get(series);
  if (value === undefined) {
    const names = [...samples.keys()].filter((name) => name.startsWith('secret_sidecar_'));
    throw new Error(`no sample ${series} in the scrape; it has ${names.join(', ')}`);
  }
  return value;
}
