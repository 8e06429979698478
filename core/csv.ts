/**
 * CSV cells as Gatehouse writes them (History export, matrix and user exports): one rule for server and
 * app, since a cell is untrusted text (names and emails are typed by invitees).
 *
 * Spreadsheet formulas are neutralised (CSV injection): an apostrophe before a cell that would start a
 * formula (`=`, `+`, `-`, `@`, also after blanks, or a tab / carriage return), and before every part after
 * a `;` that would — a spreadsheet whose list separator is `;` (most of Europe) splits a comma-separated
 * file there, quotes or not. Then quoted when it holds a quote, comma or line break (RFC 4180).
 */
export function csvCell(value: string): string {
  const safe = value.replace(/(^|;)(?=\s*[=+\-@]|[\t\r])/g, "$1'");
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** Rows as one CSV text, CRLF line ends (as Excel writes them), ending with a line break. */
export function toCsv(rows: readonly (readonly string[])[]): string {
  return `${rows.map((row) => row.map(csvCell).join(',')).join('\r\n')}\r\n`;
}
