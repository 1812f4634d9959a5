// The compose page (form[data-compose]): sends the message and its files to POST /messages/send as one streamed
// multipart request (a "message" part with the JSON, then a "files" part per file), never through the Blazor
// circuit and never reading a file into memory. Shows upload progress, checks the policy's file limits first, and
// on refusal shows each error next to its field, keeping everything typed. Loaded on every page (enhanced
// navigation does not run scripts of the page it patches in), so it listens on the document.
(() => {
  'use strict';

  const endpoint = 'messages/send';
  const genericFailure = 'The message could not be sent. Nothing was sent; try again.';

  function splitAddresses(text) {
    return text.split(/[,;\r\n]+/).map((a) => a.trim()).filter((a) => a.length > 0);
  }

  function formatBytes(bytes) {
    if (bytes >= 1024 * 1024) {
      return `${(bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MiB`;
    }
    if (bytes >= 1024) {
      return `${(bytes / 1024).toFixed(1).replace(/\.0$/, '')} KiB`;
    }
    return `${bytes} bytes`;
  }

  // The end of the chosen day in the sender's time zone, kept inside the policy's longest expiry.
  function expiryOf(form) {
    const value = form.elements.expiresAt.value;
    if (!value || value === form.dataset.defaultExpiry) {
      return undefined; // the portal's default
    }
    const [year, month, day] = value.split('-').map(Number);
    const endOfDay = new Date(year, month - 1, day, 23, 59, 0).getTime();
    const latest = Date.now() + (Number(form.dataset.maxExpiryDays) * 86400000) - (5 * 60000);
    return new Date(Math.min(endOfDay, latest)).toISOString();
  }

  function messageOf(form) {
    const message = {
      to: splitAddresses(form.elements.to.value),
      subject: form.elements.subject.value,
      body: form.elements.body.value,
      requirePasskey: form.elements.requirePasskey.checked,
    };
    const accessCode = form.elements.accessCode.value.trim();
    if (accessCode) {
      message.accessCode = accessCode;
    }
    const expiresAt = expiryOf(form);
    if (expiresAt) {
      message.expiresAt = expiresAt;
    }
    return message;
  }

  function checkFiles(form, files) {
    const maxFiles = Number(form.dataset.maxFiles);
    const maxFileBytes = Number(form.dataset.maxFileBytes);
    const maxMessageBytes = Number(form.dataset.maxMessageBytes);
    const errors = [];
    if (files.length > maxFiles) {
      errors.push(`A message may have at most ${maxFiles} files; ${files.length} are chosen.`);
    }
    for (const file of files) {
      if (file.size > maxFileBytes) {
        errors.push(`'${file.name}' is ${formatBytes(file.size)}; each file may be at most ${formatBytes(maxFileBytes)}.`);
      }
    }
    const total = files.reduce((sum, file) => sum + file.size, 0);
    if (total > maxMessageBytes) {
      errors.push(`The files are ${formatBytes(total)} together; all files of a message may be at most ${formatBytes(maxMessageBytes)}.`);
    }
    return errors.length > 0 ? { files: errors } : null;
  }

  function errorElement(form, field) {
    return [...form.querySelectorAll('[data-error-for]')].find((element) => element.dataset.errorFor === field) ?? null;
  }

  function controlDescribedBy(form, errorId) {
    return [...form.querySelectorAll('[aria-describedby]')]
      .find((element) => element.getAttribute('aria-describedby').split(/\s+/).includes(errorId)) ?? null;
  }

  function clearErrors(form) {
    for (const element of form.querySelectorAll('[data-error-for]')) {
      element.textContent = '';
    }
    for (const element of form.querySelectorAll('[aria-invalid]')) {
      element.removeAttribute('aria-invalid');
    }
    const summary = document.getElementById('compose-summary');
    if (summary) {
      summary.hidden = true;
      document.getElementById('compose-summary-list').replaceChildren();
    }
  }

  // errors: { field: [messages] }; fields without a box on the page are listed in the summary only.
  function showErrors(form, errors) {
    const summary = document.getElementById('compose-summary');
    const list = document.getElementById('compose-summary-list');
    const items = [];
    for (const [field, messages] of Object.entries(errors)) {
      const text = (Array.isArray(messages) ? messages : [String(messages)]).join(' ');
      const error = errorElement(form, field);
      const control = error ? controlDescribedBy(form, error.id) : null;
      if (error) {
        error.textContent = text;
      }
      if (control) {
        control.setAttribute('aria-invalid', 'true');
      }
      const item = document.createElement('li');
      if (control) {
        const link = document.createElement('a');
        link.href = `${window.location.pathname}#${control.id}`;
        link.textContent = text;
        link.addEventListener('click', (event) => {
          event.preventDefault();
          event.stopPropagation();
          control.focus();
        });
        item.append(link);
      } else {
        item.textContent = text;
      }
      items.push(item);
    }
    list.replaceChildren(...items);
    summary.hidden = false;
    summary.focus();
  }

  function problemOf(xhr) {
    const type = xhr.getResponseHeader('Content-Type') ?? '';
    if (!type.includes('json')) {
      return null;
    }
    try {
      return JSON.parse(xhr.responseText);
    } catch {
      return null;
    }
  }

  function upload(form, message, files) {
    const button = form.querySelector('button[type="submit"]');
    const progressBox = document.getElementById('upload');
    const progress = document.getElementById('upload-progress');
    const status = document.getElementById('upload-status');
    const token = form.querySelector('input[name="__RequestVerificationToken"]')?.value ?? '';

    const data = new FormData();
    data.append('message', JSON.stringify(message));
    for (const file of files) {
      data.append('files', file, file.name); // the browser streams the file from disk
    }

    const total = files.reduce((sum, file) => sum + file.size, 0);
    let announced = -1;
    const report = (percent) => {
      progress.value = percent;
      // Announce in steps of ten, not every event.
      const step = Math.floor(percent / 10) * 10;
      if (step !== announced) {
        announced = step;
        status.textContent = files.length > 0 ? `Uploading: ${step}% of ${formatBytes(total)}.` : 'Sending…';
      }
    };

    const finish = () => {
      button.disabled = false;
      progressBox.hidden = true;
    };

    const xhr = new XMLHttpRequest();
    xhr.open('POST', endpoint);
    xhr.setRequestHeader('RequestVerificationToken', token);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable && event.total > 0) {
        report(Math.round((event.loaded / event.total) * 100));
      }
    });
    xhr.addEventListener('load', () => {
      if (xhr.status === 201) {
        const created = problemOf(xhr);
        if (created && typeof created.id === 'string') {
          progress.value = 100;
          status.textContent = 'Sent. Opening the message…';
          window.location.assign(`messages/${encodeURIComponent(created.id)}`);
          return;
        }
      }
      finish();
      status.textContent = '';
      const problem = problemOf(xhr);
      if (problem && problem.errors && typeof problem.errors === 'object' && Object.keys(problem.errors).length > 0) {
        showErrors(form, problem.errors);
      } else if (problem && (problem.detail || problem.title)) {
        showErrors(form, { request: [problem.detail ?? problem.title] });
      } else if (xhr.status === 200 || xhr.status === 401 || xhr.status === 403) {
        // The sign-in ended: the request was redirected to the login page.
        showErrors(form, { request: ['You are no longer signed in. Log in again in another tab, then send again; what you typed is kept here.'] });
      } else {
        showErrors(form, { request: [`${genericFailure} (HTTP ${xhr.status})`] });
      }
    });
    const broken = () => {
      finish();
      status.textContent = '';
      showErrors(form, { request: ['The upload broke off before the portal answered. Nothing was sent; check your connection and the files, then try again.'] });
    };
    xhr.addEventListener('error', broken);
    xhr.addEventListener('timeout', broken);

    button.disabled = true;
    progress.value = 0;
    progressBox.hidden = files.length === 0;
    report(0);
    xhr.send(data);
  }

  document.addEventListener('submit', (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-compose')) {
      return;
    }
    event.preventDefault();
    const button = form.querySelector('button[type="submit"]');
    if (button?.disabled) {
      return; // an upload is running
    }
    clearErrors(form);
    const files = [...(form.elements.files.files ?? [])];
    const fileErrors = checkFiles(form, files);
    if (fileErrors) {
      showErrors(form, fileErrors);
      return;
    }
    upload(form, messageOf(form), files);
  });
})();
