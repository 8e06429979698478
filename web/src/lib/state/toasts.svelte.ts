/**
 * ToolJet-like toasts: short messages that disappear by themselves (errors stay a little longer). A toast
 * may carry one action (Undo): it stays long enough to be clicked, and clicking it runs the action once.
 */

export interface ToastAction {
  readonly label: string;
  readonly run: () => void;
}

export interface Toast {
  readonly id: number;
  readonly kind: 'success' | 'error' | 'info';
  readonly text: string;
  readonly action?: ToastAction | undefined;
}

export const TOAST_MS = 4000;
export const ERROR_TOAST_MS = 7000;
/** How long an Undo stays offered. */
export const UNDO_MS = 8000;

class Toasts {
  items = $state<Toast[]>([]);
  private next = 1;

  show(kind: Toast['kind'], text: string, action?: ToastAction): number {
    const id = this.next++;
    this.items.push({ id, kind, text, action });
    const ms = action ? UNDO_MS : kind === 'error' ? ERROR_TOAST_MS : TOAST_MS;
    if (typeof setTimeout === 'function') setTimeout(() => this.dismiss(id), ms);
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

  /** Runs a toast's action (once) and dismisses it. */
  act(id: number) {
    const t = this.items.find((x) => x.id === id);
    this.dismiss(id);
    t?.action?.run();
  }

  dismiss(id: number) {
    this.items = this.items.filter((t) => t.id !== id);
  }
}

export const toasts = new Toasts();
