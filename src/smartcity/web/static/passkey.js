// Passkeys (WebAuthn) for the forms marked data-webauthn="create" (register) or "get" (log
// in): the form's data-options come from the server; the browser's authenticator answers,
// the answer goes into the form's hidden field "credential" and the form is sent as usual.
// Without this script (or WebAuthn) the forms stay hidden; codes work without JavaScript.
(function () {
  "use strict";
  var api = window.PublicKeyCredential;
  if (!api || !api.parseCreationOptionsFromJSON || !api.parseRequestOptionsFromJSON) {
    return;
  }
  document.querySelectorAll("form[data-webauthn]").forEach(function (form) {
    form.hidden = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var failure = form.querySelector("[data-webauthn-error]");
      if (failure) {
        failure.hidden = true;
      }
      var options = JSON.parse(form.dataset.options);
      var asked = form.dataset.webauthn === "create"
        ? navigator.credentials.create({ publicKey: api.parseCreationOptionsFromJSON(options) })
        : navigator.credentials.get({ publicKey: api.parseRequestOptionsFromJSON(options) });
      asked.then(function (credential) {
        form.elements.credential.value = JSON.stringify(credential.toJSON());
        form.submit();
      }).catch(function () {
        if (failure) {
          failure.hidden = false;
        }
      });
    });
  });
})();
