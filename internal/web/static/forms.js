// Errors where the eye is: a form shown again with its errors brings the
// person to the error summary, focused, so a screen reader reads it and a
// phone scrolls to it. Without this script the first refused field has the
// autofocus.
(function () {
  "use strict";
  var summary = document.querySelector(".form-errors");
  if (!summary) return;
  if (!summary.hasAttribute("tabindex")) summary.setAttribute("tabindex", "-1");
  if (document.activeElement !== summary) summary.focus({ preventScroll: true });
  summary.scrollIntoView({ block: "center" });
})();
