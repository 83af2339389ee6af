// Refreshes the petition's count every 15 seconds from /api/petition.json.
// The page already shows the count without this script; this only keeps it
// current while the page stays open, and pauses while the tab is hidden.
(() => {
  "use strict";

  const INTERVAL = 15000;
  const counters = document.querySelectorAll("[data-counter]");
  if (!counters.length || !window.fetch) {
    return;
  }
  const source = counters[0].getAttribute("data-source");
  const lang = document.documentElement.lang || "fr";
  const numbers = new Intl.NumberFormat(lang);
  let shown = null;

  function show(data) {
    if (typeof data.signatures !== "number" || typeof data.goal !== "number" || data.signatures === shown) {
      return;
    }
    shown = data.signatures;
    const percent = data.goal > 0 ? Math.min(100, Math.floor((data.signatures * 100) / data.goal)) : 0;
    counters.forEach((counter) => {
      counter.querySelectorAll("[data-counter-number]").forEach((element) => {
        element.textContent = numbers.format(data.signatures);
      });
      counter.querySelectorAll("[data-counter-progress]").forEach((progress) => {
        progress.max = data.goal;
        progress.value = Math.min(data.signatures, data.goal);
        progress.textContent = percent + "\u00a0%";
      });
    });
  }

  function refresh() {
    if (document.hidden) {
      return;
    }
    fetch(source, { credentials: "omit", headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : null))
      .then((data) => data && show(data))
      .catch(() => {
        // Offline or the server is busy: the figure on the page stays; try again later.
      });
  }

  window.setInterval(refresh, INTERVAL);
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) {
      refresh();
    }
  });
})();
