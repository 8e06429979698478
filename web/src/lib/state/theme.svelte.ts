/** Light/dark theme: follows the system until the user picks one (kept in localStorage, read before paint). */
export type Theme = 'light' | 'dark' | 'system';
const KEY = 'gatehouse-theme';

class ThemeState {
  theme = $state<Theme>('system');

  constructor() {
    try {
      const t = typeof localStorage === 'undefined' ? null : localStorage.getItem(KEY);
      if (t === 'light' || t === 'dark') this.theme = t;
    } catch {
      // storage unavailable: follow the system
    }
  }

  toggle() {
    const dark =
      this.theme === 'dark' ||
      (this.theme === 'system' &&
        typeof matchMedia === 'function' &&
        matchMedia('(prefers-color-scheme: dark)').matches);
    this.set(dark ? 'light' : 'dark');
  }

  set(theme: Theme) {
    this.theme = theme;
    try {
      if (theme === 'system') localStorage.removeItem(KEY);
      else localStorage.setItem(KEY, theme);
    } catch {
      // ignore
    }
    if (theme === 'system') delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = theme;
  }
}

export const theme = new ThemeState();
