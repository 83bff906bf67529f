// Intake: a field's validation message goes as soon as the person changes the field, and the
// "give a name, phone or email" message as soon as one of them is filled in.
(function () {
  function clear(event) {
    var input = event.target;
    var field = input.closest && input.closest(".field.has-error");
    if (field) {
      field.classList.remove("has-error");
      field.querySelectorAll(".error").forEach(function (p) { p.remove(); });
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
    }
    if (input.name && input.value) {
      document.querySelectorAll("[data-clears]").forEach(function (p) {
        if (p.getAttribute("data-clears").split(" ").indexOf(input.name) >= 0) { p.remove(); }
      });
    }
  }
  document.addEventListener("input", clear);
  document.addEventListener("change", clear);
})();
