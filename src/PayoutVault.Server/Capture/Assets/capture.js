// The hosted card form. Checks the fields as the person types (Luhn, expiry), sends the card to the vault over
// the page's own origin only, and hands the resulting token and display data to the parent window with
// postMessage, addressed to each of the session's origins exactly (never a wildcard target). The card number
// never leaves this frame except in the POST to the vault.
(function () {
  'use strict';
  var root = document.getElementById('capture');
  var form = document.getElementById('card-form');
  if (!root || !form) return;

  var sessionId = root.getAttribute('data-session');
  var origins = (root.getAttribute('data-origins') || '').split(' ').filter(Boolean);
  // The secret travels in the URL fragment, which browsers never send to a server; drop it from the address too.
  var secret = window.location.hash.slice(1);
  if (window.history && window.history.replaceState) window.history.replaceState(null, '', window.location.pathname);

  var fields = {
    number: { input: byId('card-number'), error: byId('card-number-error'), check: checkNumber },
    expiry: { input: byId('card-expiry'), error: byId('card-expiry-error'), check: checkExpiry },
    name: { input: byId('card-name'), error: byId('card-name-error'), check: checkName }
  };
  var formError = byId('form-error');
  var button = byId('card-submit');
  var done = byId('done');

  function byId(id) { return document.getElementById(id); }

  function digitsOf(value) { return value.replace(/[\s-]/g, ''); }

  function passesLuhn(digits) {
    var sum = 0;
    for (var i = 0; i < digits.length; i++) {
      var d = digits.charCodeAt(digits.length - 1 - i) - 48;
      if (i % 2 === 1) { d *= 2; if (d > 9) d -= 9; }
      sum += d;
    }
    return sum % 10 === 0;
  }

  function checkNumber(value) {
    var digits = digitsOf(value);
    if (digits.length === 0) return 'Enter the card number.';
    if (!/^[0-9]+$/.test(digits)) return 'The card number can contain digits only.';
    if (digits.length < 12 || digits.length > 19) return 'The card number must be 12 to 19 digits long.';
    if (!passesLuhn(digits)) return 'This card number is not valid. Check it for typing mistakes.';
    return null;
  }

  function parseExpiry(value) {
    var m = /^\s*([0-9]{1,2})\s*\/\s*([0-9]{2}|[0-9]{4})\s*$/.exec(value);
    if (!m) return null;
    var month = parseInt(m[1], 10);
    var year = parseInt(m[2], 10);
    if (year < 100) year += 2000;
    if (month < 1 || month > 12) return null;
    return { month: month, year: year };
  }

  function checkExpiry(value) {
    if (value.trim().length === 0) return 'Enter the expiry date.';
    var e = parseExpiry(value);
    if (!e) return 'Enter the expiry date as MM/YY, for example 04/29.';
    var now = new Date();
    if (e.year < now.getFullYear() || (e.year === now.getFullYear() && e.month < now.getMonth() + 1)) return 'This card has expired.';
    if (e.year > now.getFullYear() + 25) return 'Check the expiry year.';
    return null;
  }

  function checkName(value) {
    var name = value.trim();
    if (name.length === 0) return 'Enter the name as it appears on the card.';
    if (name.length > 128) return 'The name must be at most 128 characters.';
    if (/[0-9]{6,}/.test(name.replace(/[\s-]/g, ''))) return 'Enter the name, not the card number.';
    return null;
  }

  function show(field, message) {
    field.input.setAttribute('aria-invalid', message ? 'true' : 'false');
    field.error.textContent = message || '';
    field.error.hidden = !message;
  }

  function showFormError(message) {
    formError.textContent = message || '';
    formError.hidden = !message;
  }

  Object.keys(fields).forEach(function (key) {
    var field = fields[key];
    // Checked when the person leaves a field they typed in, and again while they correct a flagged one.
    field.input.addEventListener('blur', function () { if (field.input.value) show(field, field.check(field.input.value)); });
    field.input.addEventListener('input', function () {
      if (field.input.getAttribute('aria-invalid') === 'true') show(field, field.check(field.input.value));
    });
  });

  function notifyParent(message) {
    if (window.parent === window) return;
    // One message per allowed origin, each with its exact targetOrigin: the browser delivers only the one whose
    // origin is the parent's, so no other page can receive the token.
    origins.forEach(function (origin) { window.parent.postMessage(message, origin); });
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    showFormError(null);
    var firstInvalid = null;
    Object.keys(fields).forEach(function (key) {
      var problem = fields[key].check(fields[key].input.value);
      show(fields[key], problem);
      if (problem && !firstInvalid) firstInvalid = fields[key].input;
    });
    if (firstInvalid) { firstInvalid.focus(); return; }

    var expiry = parseExpiry(fields.expiry.input.value);
    button.disabled = true;
    fetch('/capture/' + encodeURIComponent(sessionId) + '/submit', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      credentials: 'omit',
      cache: 'no-store',
      referrerPolicy: 'no-referrer',
      body: JSON.stringify({
        secret: secret,
        number: digitsOf(fields.number.input.value),
        exp_month: expiry.month,
        exp_year: expiry.year,
        name: fields.name.input.value.trim()
      })
    }).then(function (response) {
      return response.json().then(function (body) { return { status: response.status, body: body }; });
    }).then(function (reply) {
      if (reply.status === 200) {
        fields.number.input.value = '';
        form.hidden = true;
        done.hidden = false;
        done.textContent = 'Card ending ' + reply.body.last4 + ' saved.';
        notifyParent({
          type: 'payoutvault.capture.completed',
          sessionId: sessionId,
          token: reply.body.token,
          bin: reply.body.bin,
          last4: reply.body.last4,
          brand: reply.body.brand,
          expiry: { month: reply.body.exp_month, year: reply.body.exp_year },
          cardholderName: reply.body.cardholder_name
        });
        return;
      }
      button.disabled = false;
      var focused = false;
      (reply.body.fields || []).forEach(function (f) {
        if (!fields[f.field]) return;
        show(fields[f.field], f.message);
        if (!focused) { fields[f.field].input.focus(); focused = true; }
      });
      showFormError(reply.body.message || 'The card could not be saved.');
      if (reply.status === 410) {
        form.querySelectorAll('input, button').forEach(function (el) { el.disabled = true; });
        notifyParent({ type: 'payoutvault.capture.closed', sessionId: sessionId, reason: reply.body.error });
      }
    }).catch(function () {
      button.disabled = false;
      showFormError('The card could not be saved. Check your connection and try again.');
    });
  });
}());
