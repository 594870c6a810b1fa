// Passkeys ("fast sign-in"): shown only where the browser supports WebAuthn.
(function () {
  "use strict";
  if (!window.PublicKeyCredential || !navigator.credentials) return;

  function b64urlToBuffer(value) {
    var base64 = value.replace(/-/g, "+").replace(/_/g, "/");
    var binary = atob(base64 + "===".slice((base64.length + 3) % 4));
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes.buffer;
  }
  function bufferToB64url(buffer) {
    var bytes = new Uint8Array(buffer), binary = "";
    for (var i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  // Fallbacks for browsers without the JSON helpers of WebAuthn level 3.
  function parseCreation(json) {
    if (PublicKeyCredential.parseCreationOptionsFromJSON) return PublicKeyCredential.parseCreationOptionsFromJSON(json);
    json.challenge = b64urlToBuffer(json.challenge);
    json.user.id = b64urlToBuffer(json.user.id);
    (json.excludeCredentials || []).forEach(function (c) { c.id = b64urlToBuffer(c.id); });
    return json;
  }
  function parseRequest(json) {
    if (PublicKeyCredential.parseRequestOptionsFromJSON) return PublicKeyCredential.parseRequestOptionsFromJSON(json);
    json.challenge = b64urlToBuffer(json.challenge);
    (json.allowCredentials || []).forEach(function (c) { c.id = b64urlToBuffer(c.id); });
    return json;
  }
  function credentialToJSON(cred) {
    if (cred.toJSON) return cred.toJSON();
    var r = cred.response, out = { id: cred.id, rawId: bufferToB64url(cred.rawId), type: cred.type, response: {
      clientDataJSON: bufferToB64url(r.clientDataJSON) }, clientExtensionResults: {} };
    if (r.attestationObject) out.response.attestationObject = bufferToB64url(r.attestationObject);
    if (r.authenticatorData) out.response.authenticatorData = bufferToB64url(r.authenticatorData);
    if (r.signature) out.response.signature = bufferToB64url(r.signature);
    if (r.userHandle) out.response.userHandle = bufferToB64url(r.userHandle);
    if (r.getTransports) out.response.transports = r.getTransports();
    return out;
  }
  function csrfToken() {
    var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
    return headers["x-csrftoken"] || "";
  }
  function post(url, body) {
    return fetch(url, { method: "POST", credentials: "same-origin",
      headers: { "content-type": "application/json", "x-csrftoken": csrfToken(), "accept": "application/json" },
      body: JSON.stringify(body || {}) }).then(function (res) {
      return res.json().then(function (data) { if (!res.ok) throw new Error(data.error || ""); return data; });
    });
  }
  function showError(container, err) {
    var box = container.querySelector("[data-passkey-error]");
    if (!box) return;
    box.textContent = (err && err.message) || box.getAttribute("data-default") || "Error";
    box.hidden = false;
  }
  // The inputs inside the block (a staff member's enrolment code), or of its whole form
  // (data-inputs-from="form": the choices a phone confirms), go with the options request.
  function inputsOf(container) {
    var values = {};
    var scope = container.getAttribute("data-inputs-from") === "form" ? container.closest("form") : container;
    scope.querySelectorAll("input[name]").forEach(function (input) {
      if ((input.type === "radio" || input.type === "checkbox") && !input.checked) return;
      values[input.name] = input.value;
    });
    return values;
  }
  function run(container, optionsUrl, finishUrl, ceremony) {
    var box = container.querySelector("[data-passkey-error]");
    if (box) box.hidden = true;
    post(optionsUrl, inputsOf(container)).then(function (options) {
      return ceremony(options);
    }).then(function (cred) {
      return post(finishUrl, { credential: JSON.stringify(credentialToJSON(cred)) });
    }).then(function (result) {
      window.location.assign(result.redirect || "/");
    }).catch(function (err) { showError(container, err); });
  }

  function wire(root) {
    var signin = root.querySelector("[data-passkey-signin]");
    if (signin && !signin.dataset.wired) {
      signin.dataset.wired = "1";
      signin.hidden = false;
      var hint = root.querySelector("[data-passkey-unsupported]");
      if (hint) hint.hidden = true;
      signin.querySelector("[data-passkey-login]").addEventListener("click", function () {
        run(signin, signin.getAttribute("data-options-url") || "/login/passkey/options",
          signin.getAttribute("data-finish-url") || "/login/passkey", function (options) {
          return navigator.credentials.get({ publicKey: parseRequest(options) });
        });
      });
    }
    var add = root.querySelector("[data-passkey-add]");
    if (add && !add.dataset.wired) {
      add.dataset.wired = "1";
      add.hidden = false;
      var unsupported = root.querySelector("[data-passkey-unsupported]");
      if (unsupported) unsupported.hidden = true;
      var button = add.querySelector("[data-passkey-register]");
      if (button) button.addEventListener("click", function () {
        run(add, add.getAttribute("data-options-url") || "/account/passkeys/options",
          add.getAttribute("data-finish-url") || "/account/passkeys", function (options) {
          return navigator.credentials.create({ publicKey: parseCreation(options) });
        });
      });
    }
  }
  // Loaded by the pages that use it, also when HTMX swaps one in (after the page loaded):
  // wire what is there now, and listen for later swaps only once.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { wire(document); });
  } else {
    wire(document);
  }
  if (window.esscPasskeysListening) return;
  window.esscPasskeysListening = true;
  document.addEventListener("htmx:afterSettle", function () { wire(document); });
})();
