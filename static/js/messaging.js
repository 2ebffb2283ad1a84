/*
 * Small enhancements for conversation pages. Everything here is optional: without it the page
 * still reads, sends (plain form post) and catches up (reload).
 *
 * - live: htmx's ws extension keeps one socket per tab; on (re)connect we ask for the messages
 *   this page missed, tell the server what we have read, and announce typing (throttled);
 * - once, in order: a message can reach the page twice (a live push and the catch-up after a
 *   reconnect, both appended; the catch-up also re-reads the last minute on purpose) and out of
 *   order (pushes from several writers, or a push that overtook the catch-up); after every swap
 *   each thread keeps one element per message id, in sent order (the time in the message, then
 *   its id), as the server renders the page;
 * - send: while the socket is open, the composer's text goes over it (no attachment or "send
 *   later": those post the form). The text stays until the server says it was saved; a refusal
 *   arrives as the composer's error summary; no answer within SEND_WAIT_MS posts the form with the
 *   same idempotency key, so the message is saved once whichever way got through.
 * - listen: reads a message aloud with speechSynthesis (buttons stay hidden without it);
 * - dictate: fills the message box from the microphone with SpeechRecognition (hidden without it).
 */
(function () {
  "use strict";

  var socket = null; // htmx ws extension's public interface: send(message), reconnect()
  var socketOpen = false;
  var TYPING_EVERY_MS = 3000;
  var TYPING_SHOWN_MS = 6000;
  var lastTypingSent = 0;
  var typingTimers = {};

  function live() { return document.querySelector(".homeroom-live[data-conversation]"); }

  function conversationId() {
    var root = live();
    return root ? parseInt(root.getAttribute("data-conversation"), 10) : null;
  }

  function lastMessageId() {
    var root = live();
    if (!root) return null;
    var list = document.getElementById("messages-" + conversationId());
    var items = list ? list.querySelectorAll("li[data-message-id]") : [];
    var newest = items.length ? parseInt(items[items.length - 1].getAttribute("data-message-id"), 10) : null;
    var fromPage = parseInt(root.getAttribute("data-last-message"), 10);
    return newest || (isNaN(fromPage) ? null : fromPage);
  }

  function send(event) {
    if (socket && socketOpen) {
      socket.send(JSON.stringify(event));
      return true;
    }
    return false;
  }

  function markRead() {
    var last = lastMessageId();
    var newest = last && document.getElementById("message-" + last);
    // Our own message is read already: saying so again would cost the server for nothing.
    if (newest && newest.classList.contains("homeroom-message--own")) return;
    if (last && document.visibilityState === "visible") send({ type: "read", message: last });
  }

  // --- once, in order ---------------------------------------------------------------------------
  // The sort key of a message element: its sent time in microseconds (Date.parse keeps only
  // milliseconds, so the fraction is read from the ISO string), then its id.
  function sentKey(item) {
    var id = parseInt(item.getAttribute("data-message-id"), 10) || 0;
    var time = item.querySelector(".homeroom-message__meta time[datetime]");
    var stamp = time ? time.getAttribute("datetime") : "";
    var millis = Date.parse(stamp);
    if (isNaN(millis)) return [0, id];
    var fraction = /T[0-9:]+\.(\d+)/.exec(stamp);
    var micros = fraction ? parseInt((fraction[1] + "000000").slice(0, 6), 10) : 0;
    return [Math.floor(millis / 1000) * 1e6 + micros, id];
  }

  function before(a, b) { return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]); }

  // Messages already on the page stay where they are (and keep any update pushed to them since);
  // a later copy of the same id is removed, and a message that arrived out of order is moved
  // before the first one sent after it. Runs in the same task as the swap, so nobody sees (or
  // hears, in the live region) the duplicate or the wrong order.
  function tidyThread(list) {
    var seen = {};
    var kept = [];
    Array.prototype.forEach.call(list.querySelectorAll(":scope > li[data-message-id]"), function (item) {
      var id = item.getAttribute("data-message-id");
      if (seen[id]) { item.remove(); return; }
      seen[id] = true;
      kept.push({ item: item, key: sentKey(item) });
    });
    var ordered = [];
    kept.forEach(function (entry) {
      var at = ordered.length;
      while (at > 0 && before(entry.key, ordered[at - 1].key)) at -= 1;
      if (at < ordered.length) list.insertBefore(entry.item, ordered[at].item);
      ordered.splice(at, 0, entry);
    });
  }

  function tidyThreads() {
    document.querySelectorAll("ol.homeroom-thread[id^='messages-']").forEach(tidyThread);
  }

  // Where to catch up from. Not simply the newest message shown: a message is stamped when its
  // transaction starts and pushed when it commits, so with several writers one stamped earlier
  // than the newest shown can commit (and be pushed) while the socket was down, and "after the
  // newest" would skip it for good. So ask from a minute before the newest shown (no transaction
  // lasts that long); what comes back twice is dropped by tidyThread.
  var CATCH_UP_MARGIN_MICROS = 60 * 1e6;

  function catchUpAfter() {
    var list = document.getElementById("messages-" + conversationId());
    var items = list ? list.querySelectorAll(":scope > li[data-message-id]") : [];
    if (!items.length) return lastMessageId();
    var newest = sentKey(items[items.length - 1]);
    for (var at = items.length - 1; at >= 0; at -= 1) {
      var key = sentKey(items[at]);
      if (key[0] <= newest[0] - CATCH_UP_MARGIN_MICROS) return key[1];
    }
    return sentKey(items[0])[1];
  }
  // --- sending over the socket ---------------------------------------------------------------
  var SEND_WAIT_MS = 5000;
  var pending = {}; // client key → {form, timer}

  function newKey() {
    var bytes = new Uint8Array(18);
    window.crypto.getRandomValues(bytes);
    return btoa(String.fromCharCode.apply(null, bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function settle(key) {
    var waiting = pending[key];
    if (!waiting) return null;
    clearTimeout(waiting.timer);
    delete pending[key];
    var button = waiting.form.querySelector("button[type='submit']");
    if (button) button.disabled = false;
    return waiting.form;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("homeroom-composer__form") || form._postForm) return;
    var box = form.querySelector("textarea[name='body']");
    var key = form.querySelector("input[name='client_key']");
    var file = form.querySelector("input[type='file']");
    var later = form.querySelector("input[name='send_at']");
    if (!socketOpen || !box || !key || !key.value || (file && file.files.length) || (later && later.value)) return;
    var id = parseInt(form.getAttribute("data-conversation"), 10);
    var sent = send({ type: "send", conversation: id, body: box.value, client_key: key.value });
    if (!sent) return;
    event.preventDefault();
    event.stopPropagation(); // htmx would post it too
    var refused = document.getElementById("composer-refused-" + id);
    if (refused) refused.remove();
    var button = form.querySelector("button[type='submit']");
    if (button) button.disabled = true;
    var sentKey = key.value;
    pending[sentKey] = {
      form: form,
      timer: setTimeout(function () {
        // No answer: post the form; the same key means the message is saved once.
        if (settle(sentKey)) { form._postForm = true; form.requestSubmit(); form._postForm = false; }
      }, SEND_WAIT_MS),
    };
  }, true);

  document.addEventListener("htmx:wsBeforeMessage", function (event) {
    var text = event.detail.message;
    if (typeof text !== "string" || text.charAt(0) !== "{") return;
    var answer;
    try { answer = JSON.parse(text); } catch (error) { return; }
    if (answer.event !== "message_sent" || !answer.data) return;
    event.preventDefault(); // an answer for this tab, not a fragment to swap
    var form = settle(answer.data.client_key);
    if (!form) return;
    form.querySelector("textarea[name='body']").value = "";
    form.querySelector("input[name='client_key']").value = newKey();
  });

  document.addEventListener("htmx:wsAfterMessage", function (event) {
    // A refusal came as the composer's error summary: the text stays, the writer may try again.
    var message = event.detail.message;
    var match = typeof message === "string" && message.match(/id="composer-refused-(\d+)"/);
    if (!match) return;
    Object.keys(pending).forEach(function (key) {
      if (pending[key].form.getAttribute("data-conversation") === match[1]) settle(key);
    });
    var summary = document.querySelector("#composer-refused-" + match[1] + " .govuk-error-summary");
    if (summary) { summary.setAttribute("tabindex", "-1"); summary.focus(); }
  });

  document.addEventListener("htmx:wsOpen", function (event) {
    socket = event.detail.socketWrapper;
    socketOpen = true;
    var id = conversationId();
    if (id) send({ type: "catch_up", conversation: id, after: catchUpAfter() });
    markRead();
  });
  document.addEventListener("htmx:wsClose", function (event) {
    socketOpen = false;
    // 4403: the server closed this socket because the person lost access to something. Whatever
    // they may still see keeps coming live over a new socket (the server decides again on
    // connect). 4401 (signed out, session over) stays closed. htmx itself reconnects only after
    // network-level closes (1006, 1011-1013).
    var closed = event.detail && event.detail.event;
    if (closed && closed.code === 4403 && event.detail.socketWrapper) {
      window.setTimeout(event.detail.socketWrapper.reconnect, 500 + Math.random() * 1500);
    }
  });

  document.addEventListener("htmx:wsAfterMessage", function () {
    tidyThreads();
    var id = conversationId();
    if (!id) return;
    var typing = document.getElementById("typing-" + id);
    if (typing && typing.textContent.trim()) {
      clearTimeout(typingTimers[id]);
      typingTimers[id] = setTimeout(function () { typing.textContent = ""; }, TYPING_SHOWN_MS);
    }
    enhance(document);
    markRead();
  });
  document.addEventListener("visibilitychange", markRead);

  document.addEventListener("input", function (event) {
    var form = event.target.closest && event.target.closest(".homeroom-composer__form");
    if (!form || event.target.tagName !== "TEXTAREA") return;
    var now = Date.now();
    if (now - lastTypingSent < TYPING_EVERY_MS) return;
    lastTypingSent = now;
    send({ type: "typing", conversation: parseInt(form.getAttribute("data-conversation"), 10) });
  });

  // Sent with htmx but the socket is down: reload so the page itself is the catch-up.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (form && form.classList && form.classList.contains("homeroom-composer__form") && event.detail.successful) {
      if (!socketOpen) window.location.reload();
    }
  });

  // --- speech ------------------------------------------------------------------------------
  var synth = window.speechSynthesis;
  var Recognition = window.SpeechRecognition || window.webkitSpeechRecognition;

  function enhance(root) {
    if (synth && window.SpeechSynthesisUtterance) {
      root.querySelectorAll("[data-listen]").forEach(function (button) { button.hidden = false; });
    }
    if (Recognition) {
      root.querySelectorAll("[data-dictate]").forEach(function (button) { button.hidden = false; });
    }
  }

  document.addEventListener("click", function (event) {
    var listen = event.target.closest && event.target.closest("[data-listen]");
    if (listen && synth) {
      var body = document.getElementById(listen.getAttribute("data-listen"));
      if (!body) return;
      synth.cancel();
      var utterance = new SpeechSynthesisUtterance(body.innerText);
      utterance.lang = body.getAttribute("lang") || document.documentElement.lang;
      synth.speak(utterance);
      return;
    }
    var dictate = event.target.closest && event.target.closest("[data-dictate]");
    if (dictate && Recognition) {
      var box = document.getElementById(dictate.getAttribute("data-dictate"));
      if (!box) return;
      if (dictate._recognition) { dictate._recognition.stop(); return; }
      var recognition = new Recognition();
      recognition.lang = document.documentElement.lang;
      recognition.interimResults = false;
      recognition.onresult = function (result) {
        var text = Array.prototype.map.call(result.results, function (r) { return r[0].transcript; }).join(" ");
        box.value = (box.value ? box.value + " " : "") + text;
        box.dispatchEvent(new Event("input", { bubbles: true }));
      };
      recognition.onend = function () { dictate._recognition = null; dictate.setAttribute("aria-pressed", "false"); };
      dictate._recognition = recognition;
      dictate.setAttribute("aria-pressed", "true");
      recognition.start();
    }
  });

  document.addEventListener("DOMContentLoaded", function () { enhance(document); markRead(); });
  document.addEventListener("htmx:afterSwap", function (event) { tidyThreads(); enhance(event.target); });
})();
