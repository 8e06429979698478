/** ToolJet-like toasts: short messages that disappear by themselves (errors stay a little longer). */

export interface Toast {
  readonly id: number;
  readonly kind: 'success' | 'error' | 'info';
  readonly text: string;
}

export const TOAST_MS = 4000;
export const ERROR_TOAST_MS = 7000;

class Toasts {
  items = $state<Toast[]>([]);
  private next = 1;

  show(kind: Toast['kind'], text: string): number {
    const id = this.next++;
    this.items.push({ id, kind, text });
    if (typeof setTimeout === 'function')
      setTimeout(() => this.dismiss(id), kind === 'error' ? ERROR_TOAST_MS : TOAST_MS);
    return id;
  }

  success(text: string) {
    return this.show('success', text);
  }

  error(text: string) {
    return this.show('error', text);
  }

  info(text: string) {
    return this.show('info', text);
  }

  dismiss(id: number) {
    this.items = this.items.filter((t) => t.id !== id);
  }
}

export const toasts = new Toasts();
