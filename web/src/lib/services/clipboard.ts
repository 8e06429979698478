/** Copies a link the app shows (invitation, password reset), saying what happened. */
import { toasts } from '../state/toasts.svelte.ts';

export async function copyLink(link: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(link);
    toasts.success('Link copied');
  } catch {
    // No clipboard (insecure origin, permission refused): the field is selectable.
    toasts.info('Select the link and copy it');
  }
}
