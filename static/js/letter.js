// Letters (/agir/…): the preview fills in as the parent types, on the page,
// with no request; and the letter page's "Print" button. Everything works
// without this script: the form is posted and answered with the letter.
//
// The preview is the server's rendering of the template with each field a
// <span data-field="name">. Values go in as text (textContent), line by line
// with <br> between, never as HTML or Markdown: what the server does by
// escaping each value for Markdown (actions/letters.py).
(function () {
  "use strict";

  var printButton = document.querySelector("[data-print]");
  if (printButton) {
    printButton.hidden = false;
    printButton.addEventListener("click", function () { window.print(); });
  }

  var form = document.querySelector("[data-letter-form]");
  if (!form) { return; }
  var previews = Array.prototype.slice.call(document.querySelectorAll("[data-letter-preview]"));
  var pageLanguage = document.documentElement.lang || "fr";

  function element(name) { return form.elements.namedItem(name); }

  function raw(name) {
    var field = element(name);
    return field ? field.value || "" : "";
  }

  // As the server cleans them: spaces collapsed, empty lines dropped.
  function line(text) { return text.replace(/\s+/g, " ").trim(); }
  function lines(text) { return text.split(/\r\n|\r|\n/).map(line).filter(Boolean).join("\n"); }

  function checked(name) {
    var input = form.querySelector("input[name='" + name + "']:checked");
    return input || null;
  }

  function letterLanguage() {
    var choice = checked("langue");
    return choice ? choice.value : pageLanguage;
  }

  function writtenDate(iso, language) {
    var parts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
    if (!parts) { return ""; }
    var date = new Date(Date.UTC(+parts[1], +parts[2] - 1, +parts[3]));
    var locale = language === "fr" ? "fr-FR" : "en-GB";
    var written = new Intl.DateTimeFormat(locale, { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" }).format(date);
    // As the server writes it (actions/forms.py): « 1er décembre 2026 ».
    return language === "fr" && +parts[3] === 1 ? written.replace(/^1(?=\s)/, "1er") : written;
  }

  // The value of each template field, as actions/forms.py computes it.
  function value(name, language) {
    var field = element(name);
    if (name === "destinataire" || name === "adresse_destinataire") { return recipient(language)[name]; }
    if (!field) { return ""; }
    if (field.type === "date") { return writtenDate(field.value, language); }
    if (typeof RadioNodeList !== "undefined" && field instanceof RadioNodeList) {
      var option = checked(name);
      return option ? option.getAttribute("data-value-" + language) || "" : "";
    }
    return field.tagName === "TEXTAREA" ? lines(field.value) : line(field.value);
  }

  function recipient(language) {
    var kind = checked("destinataire_type");
    var kindValue = kind ? kind.value : "";
    if (kindValue === "dpd") {
      var select = element("dpd");
      var option = select && select.selectedOptions ? select.selectedOptions[0] : null;
      return {
        destinataire: option ? option.getAttribute("data-designation") || "" : "",
        adresse_destinataire: option ? lines(option.getAttribute("data-address") || "") : ""
      };
    }
    if (kindValue === "autre") {
      return { destinataire: line(raw("destinataire_autre")), adresse_destinataire: lines(raw("adresse_destinataire")) };
    }
    return {
      destinataire: kind ? kind.getAttribute("data-value-" + language) || "" : "",
      adresse_destinataire: lines(raw("adresse_destinataire")) || line(raw("ecole"))
    };
  }

  function put(span, text) {
    while (span.firstChild) { span.removeChild(span.firstChild); }
    if (!text) {
      span.textContent = span.getAttribute("data-label");
      span.classList.remove("letter-field-filled");
      return;
    }
    text.split("\n").forEach(function (part, index) {
      if (index) { span.appendChild(document.createElement("br")); }
      span.appendChild(document.createTextNode(part));
    });
    span.classList.add("letter-field-filled");
  }

  // Only the fields that apply to the recipient chosen are shown.
  function showRecipientFields() {
    var kind = checked("destinataire_type");
    if (!kind) { return; }
    [["dpd", "dpd"], ["destinataire_autre", "autre"]].forEach(function (pair) {
      var field = element(pair[0]);
      var wrapper = field ? field.closest(".field") : null;
      if (wrapper && !wrapper.classList.contains("field-invalid")) { wrapper.hidden = kind.value !== pair[1]; }
    });
  }

  function update() {
    var language = letterLanguage();
    previews.forEach(function (preview) {
      var shown = preview.getAttribute("data-letter-preview") === language;
      preview.hidden = !shown;
      if (!shown) { return; }
      preview.querySelectorAll("[data-field]").forEach(function (span) {
        put(span, value(span.getAttribute("data-field"), language));
      });
    });
    showRecipientFields();
  }

  previews.forEach(function (preview) {
    preview.querySelectorAll("[data-field]").forEach(function (span) {
      span.setAttribute("data-label", span.textContent);
    });
  });
  document.querySelectorAll("[data-preview-static]").forEach(function (note) { note.hidden = true; });
  document.querySelectorAll("[data-preview-live]").forEach(function (note) { note.hidden = false; });
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
})();
