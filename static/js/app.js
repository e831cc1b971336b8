// Behaviour every page shares, kept out of the HTML: the Content-Security-Policy runs
// scripts from static files only, never inline code or on*= attributes.
(function () {
  "use strict";

  // <select data-autosubmit>: choosing an option submits its form (language, filters).
  document.addEventListener("change", (event) => {
    const field = event.target;
    if (field.matches && field.matches("[data-autosubmit]") && field.form) field.form.submit();
  });

  // data-confirm on a form or its submit button: ask before submitting.
  document.addEventListener(
    "submit",
    (event) => {
      const holder = [event.submitter, event.target].find((el) => el && el.dataset && el.dataset.confirm);
      if (holder && !window.confirm(holder.dataset.confirm)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true,
  );

  // <button data-reload>: load the page afresh (after an edit conflict).
  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest("[data-reload]");
    if (button) window.location.reload();
  });
})();
