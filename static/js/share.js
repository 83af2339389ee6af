// Adds a "copy" button next to each text to copy: the appeal's link on the
// thank-you page, a letter's text for an email. Without this script the text
// stays in a read-only field people can select.
// The button's words come from the page (data-copy-label, data-copied-label
// on the field's parent), so they are translated with the rest of it.
(() => {
  "use strict";

  if (!navigator.clipboard) {
    return;
  }
  document.querySelectorAll("[data-copy-source]").forEach((source) => {
    const labels = source.parentElement.dataset;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button-secondary share-copy-button";
    button.textContent = labels.copyLabel;
    const status = document.createElement("p");
    status.className = "share-copy-status";
    status.setAttribute("role", "status");
    source.insertAdjacentElement("afterend", button);
    button.insertAdjacentElement("afterend", status);
    button.addEventListener("click", () => {
      navigator.clipboard.writeText(source.value).then(
        () => {
          status.textContent = labels.copiedLabel;
        },
        () => {
          source.select();
        },
      );
    });
  });
})();
