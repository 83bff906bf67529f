// Behaviour of every console page, kept out of the HTML so the Content-Security-Policy can forbid
// inline script (no on*="" attributes, no javascript: links).
//   data-submit-on-change  on a <select>: choosing sends its form (the venue switch).
//   data-back              on a link: goes back in the browser's history (its href is the
//                          fallback without JavaScript).
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field && field.matches && field.matches("select[data-submit-on-change]") && field.form) {
      field.form.requestSubmit ? field.form.requestSubmit() : field.form.submit();
    }
  });
  document.addEventListener("click", function (event) {
    var link = event.target && event.target.closest ? event.target.closest("a[data-back]") : null;
    if (link && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });
})();
