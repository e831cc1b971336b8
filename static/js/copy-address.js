// <button data-copy-address="#id">: copy the text of #id (a callback address) to the
// clipboard. A static file, since the Content-Security-Policy runs no inline scripts.
(function () {
  "use strict";

  function selectText(source) {
    const range = document.createRange();
    range.selectNodeContents(source);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest("[data-copy-address]");
    if (!button) return;
    const source = document.querySelector(button.dataset.copyAddress);
    if (!source) return;
    const done = () => {
      const label = button.textContent;
      button.textContent = button.dataset.copied || label;
      setTimeout(() => { button.textContent = label; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(source.innerText.trim()).then(done);
    } else {
      selectText(source);
      document.execCommand("copy");
      done();
    }
  });
})();
