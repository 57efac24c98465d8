// The kiosk's readings renew every minute in place: the page's main content is fetched again
// and swapped, so nothing flickers and a screen reader is not thrown back to the top.
(function () {
  "use strict";
  var EVERY_MS = 60000;
  function renew() {
    fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("main");
        var shown = document.querySelector("main");
        if (fresh && shown) { shown.replaceWith(fresh); }
      })
      .catch(function () { /* offline for a moment: keep what is shown, try again later */ });
  }
  window.setInterval(renew, EVERY_MS);
})();
