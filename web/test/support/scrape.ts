import { request } from 'node:http';

/** One scrape of GET /metrics, parsed from Prometheus's text format. */
export interface Scrape {
  status: number;
  contentType: string;
  text: string;
  /** The sample's value, or undefined when no sample has exactly these labels. */
  value(name: string, labels?: Record<string, string>): number | undefined;
  /** Every sample of a metric, with its labels. */
  samples(name: string): { labels: Record<string, string>; value: number }[];
}

const SAMPLE = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;

export function scrape(port: number, path = '/metrics'): Promise<Scrape> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () =>
        resolve(parse(res.statusCode ?? 0, String(res.headers['content-type']), text)),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

function parse(status: number, contentType: string, text: string): Scrape {
  const all = text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .flatMap((line) => {
      const match = SAMPLE.exec(line);
      if (!match) return [];
      const labels = Object.fromEntries(
        [...(match[2] ?? '').matchAll(LABEL)].map((pair) => [pair[1]!, pair[2]!]),
      );
      return [{ name: match[1]!, labels, value: Number(match[3]) }];
    });

  const samples = (name: string) =>
    all.filter((sample) => sample.name === name).map(({ labels, value }) => ({ labels, value }));
  const value = (name: string, labels: Record<string, string> = {}) =>
    samples(name).find((sample) => sameLabels(sample.labels, labels))?.value;
  return { status, contentType, text, value, samples };
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}
