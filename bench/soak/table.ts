/** Prints a Markdown table; columns listed in `right` are right-aligned (numbers). */
export function printTable(headers: string[], rows: string[][], right: number[] = []): void {
  const rule = headers.map((_, index) => (right.includes(index) ? '---:' : '---'));
  for (const cells of [headers, rule, ...rows]) console.log(`| ${cells.join(' | ')} |`);
}
