/*
 * govuk-frontend's components, started on every page and again on content htmx swaps in (its
 * boosted forms replace the page body). A file rather than an inline script, so the
 * Content-Security-Policy needs no exception for it; htmx runs no <script> found in swapped
 * content (allowScriptTags is off), which is why this listens for htmx:load instead.
 */
import { initAll } from "../vendor/govuk-frontend/govuk-frontend.min.js";

initAll();

document.addEventListener("htmx:load", function (event) {
  var scope = event.detail && event.detail.elt;
  if (scope && scope !== document.body && scope.nodeType === Node.ELEMENT_NODE) {
    initAll({ scope: scope });
  }
});
