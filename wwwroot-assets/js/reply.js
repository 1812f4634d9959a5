// Reply forms (form[data-reply]) on the recipient's message page and the sender's message page: send the text and
// files to the form's action as one streamed multipart request (a "body" part, then a "files" part per file), never
// through the Blazor circuit and never reading a file into memory. Shows upload progress, checks the policy's file
// limits first, and on refusal says why, keeping what was typed. On success the page is loaded again to show the
// thread. Loaded on every page (enhanced navigation does not run scripts of the page it patches in), so it listens
// on the document.
(() => {
  'use strict';

  // The page's language: the recipient layout puts its "Js.…" texts in #recipient-texts; sender pages have none
  // and stay English.
  function text(key, english, ...values) {
    const texts = JSON.parse(document.getElementById('recipient-texts')?.dataset.texts ?? '{}');
    return (texts[key] ?? english).replace(/\{(\d+)\}/g, (_, index) => String(values[Number(index)]));
  }

  function formatBytes(bytes) {
    if (bytes >= 1024 * 1024) {
      return `${(bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MiB`;
    }
    if (bytes >= 1024) {
      return `${(bytes / 1024).toFixed(1).replace(/\.0$/, '')} KiB`;
    }
    return text('Bytes', '{0} bytes', bytes);
  }

  function checkFiles(form, files) {
    const maxFiles = Number(form.dataset.maxFiles);
    const maxFileBytes = Number(form.dataset.maxFileBytes);
    const maxMessageBytes = Number(form.dataset.maxMessageBytes);
    const errors = [];
    if (files.length > maxFiles) {
      errors.push(text('ReplyTooManyFiles', 'A reply may have at most {0} files; {1} are chosen.', maxFiles, files.length));
    }
    for (const file of files) {
      if (file.size > maxFileBytes) {
        errors.push(text('ReplyFileTooLarge', "'{0}' is {1}; each file may be at most {2}.", file.name, formatBytes(file.size), formatBytes(maxFileBytes)));
      }
    }
    const total = files.reduce((sum, file) => sum + file.size, 0);
    if (total > maxMessageBytes) {
      errors.push(text('ReplyFilesTooLarge', 'The files are {0} together; all files of a reply may be at most {1}.', formatBytes(total), formatBytes(maxMessageBytes)));
    }
    return errors;
  }

  function showErrors(form, messages) {
    const summary = form.querySelector('[data-reply-summary]');
    const list = form.querySelector('[data-reply-errors]');
    list.replaceChildren(...messages.map((text) => {
      const item = document.createElement('li');
      item.textContent = text;
      return item;
    }));
    summary.hidden = false;
    summary.focus();
  }

  function clearErrors(form) {
    form.querySelector('[data-reply-summary]').hidden = true;
    form.querySelector('[data-reply-errors]').replaceChildren();
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

  function messagesOf(xhr) {
    const problem = problemOf(xhr);
    if (problem && problem.errors && typeof problem.errors === 'object' && Object.keys(problem.errors).length > 0) {
      return Object.values(problem.errors).flat().map(String);
    }
    if (problem && (problem.detail || problem.title)) {
      return [problem.detail ?? problem.title];
    }
    if (xhr.status === 200 || xhr.status === 401 || xhr.status === 403) {
      // The sign-in ended: the request was redirected to a sign-in page.
      return [text('ReplySignedOut', 'You are no longer signed in. Sign in again in another tab, then send again; what you typed is kept here.')];
    }
    return [text('ReplyFailed', 'The reply could not be sent. Nothing was sent; try again. (HTTP {0})', xhr.status)];
  }

  function upload(form, files) {
    const button = form.querySelector('button[type="submit"]');
    const progressBox = form.querySelector('[data-reply-upload]');
    const progress = progressBox.querySelector('progress');
    const status = form.querySelector('[data-reply-status]');
    const token = form.querySelector('input[name="__RequestVerificationToken"]')?.value ?? '';

    const data = new FormData();
    data.append('body', form.elements.body.value);
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
        status.textContent = files.length > 0 ? text('ReplyUploading', 'Uploading: {0}% of {1}.', step, formatBytes(total)) : text('ReplySending', 'Sending…');
      }
    };
    const finish = () => {
      button.disabled = false;
      progressBox.hidden = true;
      status.textContent = '';
    };

    const xhr = new XMLHttpRequest();
    xhr.open('POST', form.getAttribute('action'));
    xhr.setRequestHeader('RequestVerificationToken', token);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable && event.total > 0) {
        report(Math.round((event.loaded / event.total) * 100));
      }
    });
    xhr.addEventListener('load', () => {
      if (xhr.status === 201) {
        progress.value = 100;
        status.textContent = text('ReplySent', 'Sent. Showing the conversation…');
        window.location.reload();
        return;
      }
      finish();
      showErrors(form, messagesOf(xhr));
    });
    const broken = () => {
      finish();
      showErrors(form, [text('ReplyBrokeOff', 'The upload broke off before the portal answered. Nothing was sent; check your connection and the files, then try again.')]);
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
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-reply')) {
      return;
    }
    event.preventDefault();
    const button = form.querySelector('button[type="submit"]');
    if (button?.disabled) {
      return; // an upload is running
    }
    clearErrors(form);
    const files = [...(form.elements.files.files ?? [])];
    const errors = checkFiles(form, files);
    if (form.elements.body.value.trim() === '' && files.length === 0) {
      errors.push(text('ReplyEmpty', 'Write a reply or attach a file.'));
    }
    if (errors.length > 0) {
      showErrors(form, errors);
      return;
    }
    upload(form, files);
  });
})();
