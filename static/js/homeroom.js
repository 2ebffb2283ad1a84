/*
 * govuk-frontend's components, started on every page and again on content htmx swaps in (its
 * boosted forms replace the page body). A file rather than an inline script, so the
 * Content-Security-Policy needs no exception for it; htmx runs no <script> found in swapped
 * content (allowScriptTags is off), which is why this listens for htmx:load instead.
 *
 * govuk-frontend's address comes from the <script> tag (data-govuk-frontend, written by
 * {% static %}), not from a relative import: that way it is the hashed, compressed, cached-for-a-
 * year copy, which a relative path inside this file would miss.
 */
const script = document.querySelector("script[data-govuk-frontend]");

import(script ? script.dataset.govukFrontend : "../vendor/govuk-frontend/govuk-frontend.min.js").then(
  function (govuk) {
    govuk.initAll();

    document.addEventListener("htmx:load", function (event) {
      var scope = event.detail && event.detail.elt;
      if (scope && scope !== document.body && scope.nodeType === Node.ELEMENT_NODE) {
        govuk.initAll({ scope: scope });
      }
    });
  },
);
