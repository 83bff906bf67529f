// Triage at intake. The fields triage reads ask for the panel themselves (htmx attributes on
// them: POST, debounced, the text never in an address). This file only:
// - fills the form's selects when the receiver accepts a suggestion (one field or all of them),
//   opening "more details" so that they see what was filled;
// - asks for the panel again when one of those selects changes (its "chosen" marks follow),
//   and when the form is shown again with text in it (after "change something" or an error).
// No inline script: the console's Content-Security-Policy allows none.
(function () {
  var SELECTS = ["category", "severity", "psychology", "language"];

  function intakeForm() { return document.querySelector("form.intake"); }

  function source(form) { return form && form.querySelector("[data-triage-source]"); }

  function ask(form) {
    var el = source(form);
    if (el) { el.dispatchEvent(new Event("triage")); }
  }

  function accept(button, form) {
    var select = form.elements[button.getAttribute("data-triage-field")];
    var value = button.getAttribute("data-triage-value");
    if (!select || !Array.prototype.some.call(select.options || [], function (o) { return o.value === value; })) {
      return false;
    }
    select.value = value;
    var more = select.closest("details");
    if (more) { more.open = true; }
    button.disabled = true;
    button.setAttribute("aria-pressed", "true");
    return true;
  }

  function status(form, text) {
    var live = form.querySelector("#triage-status");
    if (live) { live.textContent = text; }
  }

  document.addEventListener("click", function (event) {
    var form = intakeForm();
    if (!form || !event.target.closest) { return; }
    var one = event.target.closest("[data-triage-field]");
    var all = event.target.closest("[data-triage-accept-all]");
    if (!one && !all) { return; }
    event.preventDefault();
    var buttons = one ? [one] : Array.prototype.slice.call(
      form.querySelectorAll("#triage-panel [data-triage-field]"));
    var filled = buttons.filter(function (b) { return accept(b, form); }).length;
    if (filled) {
      status(form, (form.querySelector("#triage-panel") || form).getAttribute("data-filled-text") || "");
      ask(form);
    }
  });

  document.addEventListener("change", function (event) {
    var form = intakeForm();
    var target = event.target;
    if (form && target.form === form && SELECTS.indexOf(target.name) >= 0) { ask(form); }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var form = intakeForm();
    var text = form && form.elements.description;
    if (text && text.value.trim()) { window.setTimeout(function () { ask(form); }, 0); }
  });
})();
