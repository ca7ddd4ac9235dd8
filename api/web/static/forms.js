// Two things every form page needs.
//
// 1. A form sent back with errors opens at its first wrong field, not at the top
//    of a long page: the page's error summary says what is wrong, the field says
//    it again beside itself, and the cursor waits in that field.
//
// 2. Warn before a page is left with typing that was never saved.
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

(() => {
  const wrong = document.querySelector('[aria-invalid="true"]');
  if (wrong) {
    wrong.scrollIntoView({ block: "center" });
    wrong.focus({ preventScroll: true });
  }
})();
