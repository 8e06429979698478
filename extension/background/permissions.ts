/**
 * Host permission for the server, as the worker sees it. The popup asks Chrome for it inside the click
 * that signs in; on some platforms the permission prompt closes the popup, so the worker (not the popup)
 * finishes the sign-in once the permission arrives.
 */

/** How long a sign-in waits for the person to answer the permission prompt. */
export const PERMISSION_WAIT_MS = 25_000;

export function waitForHostPermission(pattern: string, timeoutMs = PERMISSION_WAIT_MS): Promise<boolean> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (granted: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      chrome.permissions.onAdded.removeListener(onAdded);
      resolve(granted);
    };
    const check = () =>
      void chrome.permissions
        .contains({ origins: [pattern] })
        .then((has) => has && finish(true))
        .catch(() => {});
    const onAdded = () => check();
    const timer = setTimeout(() => finish(false), timeoutMs);
    chrome.permissions.onAdded.addListener(onAdded);
    check();
  });
}
