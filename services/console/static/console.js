// Progressive enhancement only: every action works without this file.
// Live countdowns for <time class="countdown" datetime="...">, and focus on an error summary.
(function () {
  "use strict";
  function span(seconds) {
    seconds = Math.abs(Math.floor(seconds));
    var d = Math.floor(seconds / 86400), h = Math.floor((seconds % 86400) / 3600), m = Math.floor((seconds % 3600) / 60);
    if (d) { return d + " d " + h + " h"; }
    if (h) { return h + " h " + m + " min"; }
    return m ? m + " min" : "under a minute";
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("time.countdown").forEach(function (el) {
      var due = Date.parse(el.getAttribute("datetime"));
      if (!isNaN(due)) { el.textContent = due > now ? span((due - now) / 1000) + " left" : span((now - due) / 1000) + " ago"; }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-focus]");
    if (summary) { summary.focus(); }
    tick();
    setInterval(tick, 30000);
  });
})();
