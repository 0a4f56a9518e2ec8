// A GHL session handed from the app page to another of the bridge's pages it
// opened (the console in a frame, the mapper in a new tab), by postMessage
// between windows of this origin only: the token never goes into a URL or
// storage. The page opened says it is ready; the app page answers it.

const READY = "ghl-bridge:ready";
const SESSION = "ghl-bridge:session";

/**
 * In the page opened: asks `from` (the parent frame or the opener) for the
 * session. Resolves `{token, locationId, ...}`, or `null` when this page was
 * not opened by the app page or nothing answers within `timeoutMs`.
 */
export function receiveSession(from, timeoutMs = 3000) {
  if (!from || from === window) return Promise.resolve(null);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), timeoutMs);
    window.addEventListener("message", function answer(e) {
      if (e.source !== from || e.origin !== location.origin || e.data?.type !== SESSION) return;
      clearTimeout(timer);
      window.removeEventListener("message", answer);
      resolve(e.data.session);
    });
    try {
      from.postMessage({ type: READY }, location.origin);
    } catch {
      // Another origin's window (GHL's): it is not ours to ask.
      clearTimeout(timer);
      resolve(null);
    }
  });
}

/**
 * In the app page: answers each ready message (a page opened, or reloaded)
 * with `sessionFor(window)`, when it names one of the windows it opened.
 */
export function offerSession(sessionFor) {
  window.addEventListener("message", (e) => {
    if (e.origin !== location.origin || e.data?.type !== READY) return;
    const session = sessionFor(e.source);
    if (session) e.source.postMessage({ type: SESSION, session }, location.origin);
  });
}
