// Staff passkeys (WebAuthn through ASP.NET Core Identity). A submit button with data-passkey="create" or
// "request" fetches options from the portal, asks the browser's authenticator, and posts the resulting
// credential (or what went wrong) with its form, so the server does the checking and the page shows the result.
(() => {
  'use strict';

  const supported = typeof window.PublicKeyCredential === 'function'
    && typeof PublicKeyCredential.parseCreationOptionsFromJSON === 'function'
    && typeof PublicKeyCredential.parseRequestOptionsFromJSON === 'function';

  const endpoints = {
    create: 'Account/PasskeyCreationOptions',
    request: 'Account/PasskeyRequestOptions',
  };

  async function fetchOptions(operation, form) {
    const token = form.querySelector('input[name="__RequestVerificationToken"]')?.value ?? '';
    const response = await fetch(endpoints[operation], {
      method: 'POST',
      credentials: 'same-origin',
      headers: { RequestVerificationToken: token },
    });
    if (!response.ok) {
      throw new Error(`The portal could not start the passkey request (HTTP ${response.status}). Reload the page and try again.`);
    }
    return response.json();
  }

  async function obtainCredential(operation, form) {
    if (!supported) {
      throw new Error('This browser cannot use passkeys. Update it, or sign in another way.');
    }
    const options = await fetchOptions(operation, form);
    return operation === 'create'
      ? navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options) })
      : navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options) });
  }

  function describe(error) {
    // NotAllowedError covers both "cancelled" and "timed out"; the browser does not say which.
    return error.name === 'NotAllowedError'
      ? 'No passkey was given: the request was cancelled or timed out.'
      : error.message;
  }

  document.addEventListener('submit', async (event) => {
    const button = event.submitter;
    const operation = button?.dataset.passkey;
    if (!Object.hasOwn(endpoints, operation ?? '')) {
      return;
    }
    event.preventDefault();
    const form = event.target;
    button.disabled = true;
    try {
      const credential = await obtainCredential(operation, form);
      form.elements['Passkey.CredentialJson'].value = JSON.stringify(credential);
    } catch (error) {
      form.elements['Passkey.Error'].value = describe(error);
    }
    form.submit();
  });
})();
