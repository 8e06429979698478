/**
 * CSV in and out. Reading: bytes as Excel and Google Sheets write them (UTF-8 with or without a BOM,
 * UTF-16 with a BOM, CRLF) and papaparse with delimiter detection (`,` `;` tab `|`: Excel in many locales
 * writes `;`). Writing: RFC 4180 with formulas neutralised. Parsing never throws.
 */
import Papa from 'papaparse';
import { limits, toCsv } from '../../../../core/index.ts';

export { toCsv };

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

/**
 * A picked import file's rows, or why it is refused before anything is parsed or previewed: a file past
 * limits.MAX_IMPORT_BYTES or MAX_IMPORT_ROWS would freeze the tab while it is read and previewed.
 */
export function readImportFile(bytes: Uint8Array): { rows: string[][] } | { error: string } {
  if (bytes.length > limits.MAX_IMPORT_BYTES) {
    const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
    return {
      error: `This file is ${mb(bytes.length)}; import at most ${mb(limits.MAX_IMPORT_BYTES)} at a time (split the list).`,
    };
  }
  const rows = parseCsv(decodeCsv(bytes));
  if (rows.length > limits.MAX_IMPORT_ROWS + 1) {
    return {
      error: `This file has ${rows.length.toLocaleString('en')} rows; import at most ${limits.MAX_IMPORT_ROWS.toLocaleString('en')} at a time (split the list).`,
    };
  }
  return { rows };
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
