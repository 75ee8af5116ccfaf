/** Writes a command's result: one JSON document on stdout with `--json`, else human text. */
export interface OutputOptions {
  json?: boolean;
}

export function writeResult(options: OutputOptions, result: unknown, renderText: () => string): void {
  if (options.json === true) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    const text = renderText();
    if (text.length > 0) process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }
}

/** Formats rows as an aligned text table. */
export function formatTable(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (c ?? '').padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}
