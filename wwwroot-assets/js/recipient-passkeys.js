// Recipient passkeys (WebAuthn through the Fido2 library on the server). A button with data-recipient-passkey="enrol"
// adds a passkey to the signed-in recipient's address; "verify" verifies the address with one instead of a mail code.
// The button's data-status names the element that shows the outcome. No inline script: the CSP forbids it.
(() => {
  'use strict';

  const supported = typeof window.PublicKeyCredential === 'function'
    && typeof PublicKeyCredential.parseCreationOptionsFromJSON === 'function'
    && typeof PublicKeyCredential.parseRequestOptionsFromJSON === 'function';

  // The page's language: the recipient layout puts its "Js.…" texts in #recipient-texts; English is the fallback.
  function text(key, english, ...values) {
    const texts = JSON.parse(document.getElementById('recipient-texts')?.dataset.texts ?? '{}');
    return (texts[key] ?? english).replace(/\{(\d+)\}/g, (_, index) => String(values[Number(index)]));
  }

  function token() {
    return document.querySelector('input[name="__RequestVerificationToken"]')?.value ?? '';
  }

  async function post(path, body) {
    const response = await fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', RequestVerificationToken: token() },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw new Error(answer.title ?? text('PasskeyRefused', 'The portal refused the passkey request (HTTP {0}). Reload the page and try again.', response.status));
    }
    return answer;
  }

  async function enrol() {
    const options = await post('recipient/passkeys/enrol/options');
    const credential = await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options) });
    await post('recipient/passkeys/enrol', credential.toJSON());
    return { message: text('PasskeyAdded', 'Passkey added') };
  }

  async function verify() {
    const options = await post('recipient/passkeys/verify/options');
    const credential = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options) });
    const answer = await post('recipient/passkeys/verify', credential.toJSON());
    return { message: text('PasskeyVerified', 'Verified with your passkey'), location: answer.location };
  }

  function describe(error) {
    // NotAllowedError covers both "cancelled" and "timed out"; the browser does not say which.
    return error.name === 'NotAllowedError'
      ? text('PasskeyCancelled', 'No passkey was given: the request was cancelled or timed out.')
      : error.message;
  }

  document.addEventListener('click', async (event) => {
    const button = event.target instanceof Element ? event.target.closest('button[data-recipient-passkey]') : null;
    if (!button) {
      return;
    }
    event.preventDefault();
    const status = document.getElementById(button.dataset.status ?? '');
    const show = (text, failed) => {
      if (status) {
        status.textContent = text;
        status.classList.toggle('error', failed);
        status.setAttribute('role', failed ? 'alert' : 'status');
      }
    };
    button.disabled = true;
    try {
      if (!supported) {
        throw new Error(text('PasskeyUnsupported', 'This browser cannot use passkeys. Update it, or use the mail code.'));
      }
      const outcome = button.dataset.recipientPasskey === 'enrol' ? await enrol() : await verify();
      show(outcome.message, false);
      if (button.dataset.recipientPasskey === 'verify') {
        // A new session: load the page (or the one the link points to) with it.
        window.location.assign(outcome.location ?? window.location.href);
      }
    } catch (error) {
      show(describe(error), true);
      button.disabled = false;
    }
  });
})();
