// Passkeys and security keys (WebAuthn): a button with data-passkey="create" or "get" reads the options the
// server put in the <script type="application/json"> named by data-passkey-options, asks the browser, writes
// the answer as JSON into the form's field named by data-passkey-field and submits the form.
(function () {
  "use strict";

  function toBuffer(base64url) {
    const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    const binary = atob(base64 + "===".slice((base64.length + 3) % 4));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0)).buffer;
  }

  function toBase64url(buffer) {
    let binary = "";
    new Uint8Array(buffer).forEach((byte) => { binary += String.fromCharCode(byte); });
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map((item) => Object.assign({}, item, { id: toBuffer(item.id) }));
  }

  function creationOptions(options) {
    return Object.assign({}, options, {
      challenge: toBuffer(options.challenge),
      user: Object.assign({}, options.user, { id: toBuffer(options.user.id) }),
      excludeCredentials: descriptors(options.excludeCredentials),
    });
  }

  function requestOptions(options) {
    return Object.assign({}, options, {
      challenge: toBuffer(options.challenge),
      allowCredentials: descriptors(options.allowCredentials),
    });
  }

  function credentialJSON(credential) {
    const response = credential.response;
    const json = {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: { clientDataJSON: toBase64url(response.clientDataJSON) },
    };
    if (response.attestationObject) {
      json.response.attestationObject = toBase64url(response.attestationObject);
      json.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      json.response.authenticatorData = toBase64url(response.authenticatorData);
      json.response.signature = toBase64url(response.signature);
      if (response.userHandle) json.response.userHandle = toBase64url(response.userHandle);
    }
    return JSON.stringify(json);
  }

  function start(button) {
    const form = button.closest("form");
    const status = document.getElementById(button.dataset.passkeyStatus);
    const options = JSON.parse(document.getElementById(button.dataset.passkeyOptions).textContent);
    const ask = button.dataset.passkey === "create"
      ? navigator.credentials.create({ publicKey: creationOptions(options) })
      : navigator.credentials.get({ publicKey: requestOptions(options) });
    button.disabled = true;
    ask.then((credential) => {
      form.querySelector(`input[name="${button.dataset.passkeyField}"]`).value = credentialJSON(credential);
      form.submit();
    }).catch(() => {
      button.disabled = false;
      if (status) status.textContent = button.dataset.passkeyError;
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-passkey]").forEach((button) => {
      if (!window.PublicKeyCredential) {
        button.disabled = true;
        const status = document.getElementById(button.dataset.passkeyStatus);
        if (status) status.textContent = button.dataset.passkeyUnsupported;
        return;
      }
      button.addEventListener("click", () => start(button));
    });
  });
})();
