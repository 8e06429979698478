/**
 * Pending confirmations (rule 4 / rule 9): a service asks, the app-level dialog shows the request, the
 * admin answers. One request at a time; Cancel resolves `false` and changes nothing.
 */
import type { Impact } from '../../../../core/index.ts';

export interface ConfirmRequest {
  readonly title: string;
  /** The main question (ToolJet's wording where it has one). */
  readonly message: string;
  readonly impact?: Impact | undefined;
  readonly confirmLabel: string;
  readonly danger?: boolean;
  /** Another way to do what the admin meant (a page of the app); following it cancels. */
  readonly link?: { readonly href: string; readonly label: string } | undefined;
}

class Confirmations {
  current = $state.raw<ConfirmRequest | null>(null);
  private resolve: ((ok: boolean) => void) | null = null;

  ask(request: ConfirmRequest): Promise<boolean> {
    this.answer(false);
    this.current = request;
    return new Promise((resolve) => {
      this.resolve = resolve;
    });
  }

  answer(ok: boolean) {
    const r = this.resolve;
    this.resolve = null;
    this.current = null;
    r?.(ok);
  }
}

export const confirmations = new Confirmations();
