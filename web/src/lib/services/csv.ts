/**
 * CSV in and out. Reading: bytes as Excel and Google Sheets write them (UTF-8 with or without a BOM,
 * UTF-16 with a BOM, CRLF) and papaparse with delimiter detection (`,` `;` tab `|`: Excel in many locales
 * writes `;`). Writing: RFC 4180 with formulas neutralised. Parsing never throws.
 */
import Papa from 'papaparse';

/** Decodes a file's bytes: UTF-16 LE/BE by their BOM (or by the zero bytes of ASCII text), else UTF-8. */
export function decodeCsv(bytes: Uint8Array): string {
  const [b0, b1] = bytes;
  let encoding = 'utf-8';
  if (b0 === 0xff && b1 === 0xfe) encoding = 'utf-16le';
  else if (b0 === 0xfe && b1 === 0xff) encoding = 'utf-16be';
  else if (bytes.length >= 4 && b0 !== 0 && b1 === 0 && bytes[3] === 0) encoding = 'utf-16le';
  else if (bytes.length >= 4 && b0 === 0 && b1 !== 0 && bytes[2] === 0) encoding = 'utf-16be';
  // TextDecoder drops the BOM of the encoding it decodes.
  return new TextDecoder(encoding).decode(bytes);
}

/**
 * Rows of fields; the delimiter is detected, blank lines are skipped, a leading BOM is dropped. Line breaks
 * are read as `\n` whichever a file mixes (also inside quoted fields).
 */
export function parseCsv(text: string): string[][] {
  const res = Papa.parse<string[]>(text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n'), {
    newline: '\n',
    delimiter: '',
    delimitersToGuess: [',', ';', '\t', '|'],
    skipEmptyLines: 'greedy',
  });
  return res.data.filter((r) => Array.isArray(r) && r.some((f) => f.trim() !== ''));
}

function cell(value: string): string {
  // Neutralise spreadsheet formulas (CSV injection) and quote when needed: an apostrophe before the
  // cell's start (also after blanks) and every part after a `;` when they would start a formula (a
  // spreadsheet whose list separator is `;` splits a comma-separated file there, quotes or not).
  const v = value.replace(/(^|;)(?=\s*[=+\-@]|[\t\r])/g, "$1'");
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function toCsv(rows: readonly (readonly string[])[]): string {
  return `${rows.map((r) => r.map(cell).join(',')).join('\r\n')}\r\n`;
}

/** Offers a CSV file to the browser as a download. */
export function downloadCsv(filename: string, rows: readonly (readonly string[])[]): void {
  const blob = new Blob([toCsv(rows)], { type: 'text/csv;charset=utf-8' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
