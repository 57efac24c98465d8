// The e-mail's link carries the resume code after "#" (never sent to a server); put it
// into the field so that the citizen only has to press the button.
(function () {
  "use strict";
  var field = document.querySelector("[data-from-fragment]");
  var code = window.location.hash.slice(1);
  if (field && code && !field.value) {
    field.value = decodeURIComponent(code);
    history.replaceState(null, "", window.location.pathname);
  }
})();
