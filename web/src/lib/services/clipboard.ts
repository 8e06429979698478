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

/** Copies a secret shown once (a token): true when it is on the clipboard, else says to copy it by hand. */
export async function copySecret(secret: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(secret);
    return true;
  } catch {
    toasts.info('Select the token and copy it');
    return false;
  }
}
