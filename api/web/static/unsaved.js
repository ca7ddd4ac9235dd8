// Warn before a page is left with typing that was never saved.
//
// A page may hold several forms (shared notes and a private note, say): pressing
// the button of one must not silently drop what was typed into another. The
// browser's own "Leave site?" prompt is asked for whenever a form other than the
// one being sent has changed since the page loaded. A form marked
// data-no-unsaved-warning (a search box) is never counted.
(() => {
  const changed = new Set();
  let sending = null;
  for (const form of document.querySelectorAll("form")) {
    if (form.method.toLowerCase() !== "post" || form.hasAttribute("data-no-unsaved-warning")) {
      continue;
    }
    form.addEventListener("input", () => changed.add(form));
    form.addEventListener("submit", () => {
      sending = form;
    });
  }
  window.addEventListener("beforeunload", (event) => {
    const unsaved = [...changed].some((form) => form !== sending);
    sending = null; // a cancelled leave starts afresh
    if (unsaved) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
