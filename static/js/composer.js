/*
 * The conversation page's composer and reading position. Optional like everything else: without
 * it the form posts, a refused message's page opens at its error summary, "Older messages" opens
 * a page of older ones, and the inbox links open the thread at its newest message.
 *
 * - errors: a refused message answers 422 with the composer and its error summary. htmx 2 swaps
 *   nothing on a 4xx by default, so the text would just sit there; here a 422 for a composer is
 *   swapped in, and the summary (role=alert) takes the focus so screen readers announce it.
 * - sending: "Sending…" on the button while it is disabled for a message on its way (htmx's
 *   hx-disabled-elt for a post, messaging.js for the socket); if the post cannot get through the
 *   text stays in the box and a message says so.
 * - reading position: the page opens with the newest message and the reply box in view.
 */
(function () {
  "use strict";

  function isComposer(element) {
    return Boolean(element && element.id && element.id.indexOf("composer-") === 0);
  }

  function composerForm(event) {
    var element = event.detail && event.detail.elt;
    return element && element.classList && element.classList.contains("homeroom-composer__form") ? element : null;
  }

  // A refused message (422: empty, a refused file, a time in the past) replaces the composer.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 422 && isComposer(event.detail.target)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target || !target.id) return;
    var composer = document.getElementById(target.id);
    if (!isComposer(composer)) return;
    var summary = composer.querySelector(".govuk-error-summary");
    if (summary) {
      summary.setAttribute("tabindex", "-1");
      summary.focus();
    }
  });

  function button(form) { return form.querySelector("button[type='submit']"); }

  // "Sending…" whenever the Send button is disabled while a message is on its way: by htmx
  // (hx-disabled-elt) for a form post, or by messaging.js while it waits for the socket's answer.
  var watching = new WeakSet();
  function watch(root) {
    (root || document).querySelectorAll(".homeroom-composer__form button[data-sending-text]").forEach(function (send) {
      if (watching.has(send)) return;
      watching.add(send);
      var idle = send.textContent;
      new MutationObserver(function () {
        send.textContent = send.disabled ? send.getAttribute("data-sending-text") : idle;
      }).observe(send, { attributes: true, attributeFilter: ["disabled"] });
    });
  }
  document.addEventListener("htmx:load", function (event) { watch(event.detail && event.detail.elt); });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = composerForm(event);
    var failed = form && form.querySelector(".homeroom-composer__failed");
    if (failed) failed.hidden = true;
  });

  function restore(form) {
    var send = button(form);
    if (send) send.disabled = false;
  }

  // The connection failed or the server broke (htmx swaps nothing): the text stays, say so.
  function failed(event) {
    var form = composerForm(event);
    if (!form) return;
    restore(form);
    var notice = form.querySelector(".homeroom-composer__failed");
    if (notice) notice.hidden = false;
  }
  document.addEventListener("htmx:sendError", failed);
  document.addEventListener("htmx:responseError", function (event) {
    if (event.detail.xhr && event.detail.xhr.status === 422) return;
    failed(event);
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = composerForm(event);
    if (form && document.body.contains(form)) restore(form);
  });

  // Older messages load above the ones shown, keeping the reader's place.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (target && target.classList && target.classList.contains("homeroom-thread")) {
      target.setAttribute("data-height-before", String(document.documentElement.scrollHeight));
    }
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (!target || !target.getAttribute || !target.getAttribute("data-height-before")) return;
    var before = parseInt(target.getAttribute("data-height-before"), 10);
    target.removeAttribute("data-height-before");
    window.scrollBy(0, document.documentElement.scrollHeight - before);
  });

  // Open at the newest message with the reply box in view, unless the address asks for a place.
  function openAtNewest() {
    var root = document.querySelector(".homeroom-live[data-conversation]");
    if (!root || root.getAttribute("data-latest-page") !== "true") return;
    // Links from the inbox name the newest message (#message-<id>) so the page opens there without
    // JavaScript too; any other place in the address is kept.
    var hash = window.location.hash;
    if (hash && hash !== "#message-" + root.getAttribute("data-last-message")) return;
    var composer = document.getElementById("composer-" + root.getAttribute("data-conversation"));
    if (composer) composer.scrollIntoView({ block: "end" });
  }
  function start() { watch(document); openAtNewest(); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
