/**
 * The one CSV writer (metering's usage report and statement): RFC 4180 (a field holding a comma, quote
 * or line break is quoted, inner quotes doubled; CRLF line ends), and text that a spreadsheet would
 * run as a formula — starting with = + - @, a tab or a carriage return — gets a leading apostrophe
 * (OWASP's CSV injection advice): names in reports come from outside. Numbers and
 * booleans are written as they are.
 */
export type CsvValue = string | number | boolean | null | undefined;

export function spreadsheetSafe(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'string') return String(value);
  const text = spreadsheetSafe(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A header line of the columns, then one line per row. */
export function csvTable<C extends string>(columns: readonly C[], rows: readonly Partial<Record<C, CsvValue>>[]): string {
  return [columns.map(csvField), ...rows.map((row) => columns.map((column) => csvField(row[column])))].map((fields) => `${fields.join(',')}\r\n`).join('');
}
