// OPD Token: the little the pages need beyond htmx. htmx does the work; this file
// tells staff when it cannot, adds the one-key shortcuts ("/" search, "n"…), and does
// what inline handlers would do elsewhere: the Content-Security-Policy allows no
// inline script, no onclick/onchange and no htmx trigger filter (htmx would eval it).
(function () {
  "use strict";

  var POLL_MS = 5000;

  // Regions marked data-poll refresh every 5 s (hx-trigger "refreshDue"), except
  // while someone works in them: focus inside the region, or a "More" menu open. A
  // refresh would snatch it away. A region whose data-poll names another element
  // (the doctor's queue names the delay form) waits only while a field of that
  // element has the focus: a "Set" button still focused after its click is not
  // typing, and must not stop the queue from refreshing.
  function busy(region) {
    var active = document.activeElement;
    if (region.dataset.poll) {
      var watched = document.querySelector(region.dataset.poll);
      if (watched && typingIn(active) && watched.contains(active)) return true;
    } else if (active && active !== document.body && region.contains(active)) {
      return true;
    }
    return region.querySelector("details[open]") !== null;
  }

  // Regions marked data-pulse do not poll themselves: the desk's pulse (one poll for
  // the whole page, answered 304 while the day is unchanged) brings them when the day
  // changed, as out-of-band swaps. One someone is working in is held back and marked
  // stale; it refreshes itself ("refreshDue") at the first tick it is free. A region
  // refreshed by its own action meanwhile is a new element, no longer marked stale.
  function refreshStale() {
    document.querySelectorAll("[data-pulse][data-stale]").forEach(function (region) {
      if (busy(region)) return;
      delete region.dataset.stale;
      window.htmx.trigger(region, "refreshDue");
    });
  }

  // The pulse renders the regions for the page's address. A region showing something
  // else — the token list of a search typed since — asks for its own at once instead.
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var region = event.detail.target;
    if (!region || !region.hasAttribute("data-pulse")) return;
    var fragment = event.detail.fragment;
    var fresh = fragment && fragment.firstElementChild;
    var elsewhere = fresh && fresh.getAttribute("hx-get") !== region.getAttribute("hx-get");
    if (busy(region)) {
      event.detail.shouldSwap = false;
      region.dataset.stale = "1";
    } else if (elsewhere) {
      event.detail.shouldSwap = false;
      window.htmx.trigger(region, "refreshDue");
    }
  });

  setInterval(function () {
    if (!window.htmx) return;
    document.querySelectorAll("[data-poll]").forEach(function (region) {
      if (!busy(region)) window.htmx.trigger(region, "refreshDue");
    });
    refreshStale();
  }, POLL_MS);

  // <select data-autosubmit>: choosing submits its form (the doctor picker).
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("select[data-autosubmit]") && el.form) el.form.submit();
  });

  // <button data-print>: print the page (the token slip).
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) window.print();
  });

  // <button data-fill-name> (the people registered on a typed phone, desk issue
  // form): choosing one fills the form's name field and puts the cursor there,
  // so Enter then issues the token.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-fill-name]");
    var field = button && button.form && button.form.elements.namedItem("name");
    if (!field) return;
    field.value = button.dataset.fillName;
    field.focus();
  });

  function notice(text) {
    var el = document.getElementById("net-status");
    if (!el) return;
    el.textContent = text || "";
    el.hidden = !text;
  }

  document.addEventListener("htmx:sendError", function () {
    notice("Connection lost. Retrying… Check the token list before repeating an action.");
  });

  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var status = xhr.status;
    // Django's CSRF failure page: the page's token went stale (a sign-in elsewhere).
    if (status === 403 && /CSRF verification failed/.test(xhr.responseText || "")) {
      notice("This page is out of date (signed in again elsewhere?). Reload it, then try again.");
    } else if (status === 403) notice("You are not allowed to do that.");
    else if (status === 429) notice("Too many requests from this network. Wait a minute; the page tries again.");
    else if (status === 404) notice("That token or page no longer exists. The lists refresh in a moment.");
    else notice("Something went wrong (" + status + "). Nothing was changed; please try again.");
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful) notice("");
  });

  // A session that expired mid-shift: htmx would follow the redirect and paint the
  // sign-in form inside a table. Go to the sign-in page instead.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    var url = xhr.responseURL || "";
    if (url.indexOf("/login/") !== -1) {
      event.detail.shouldSwap = false;
      window.location.assign(url);
      return;
    }
    // Our inline errors are fragments. A whole document answering an error (one of
    // Django's own pages, e.g. a DEBUG technical 400) is never swapped into the
    // page: it would bring its own inline styles and scripts. Say so instead.
    if (xhr.status >= 400 && /<html[\s>]/i.test(xhr.responseText || "")) {
      event.detail.shouldSwap = false;
      notice("Something went wrong (" + xhr.status + "). Nothing was changed; please try again.");
    }
  });

  // Keyboard shortcuts that are the same in every browser (access keys are not:
  // Alt+Shift in Firefox, Alt in Chrome, Ctrl+Option on a Mac). A single key, only
  // while no field has the focus, so typing a name never triggers one:
  //   "/"  the token search;
  //   an element marked data-shortcut="n": a field gets the focus, a button or link
  //        is pressed (desk: N patient name, P print the last slip; doctor: N call
  //        next, C complete). The hints on the pages name them.
  function typingIn(el) {
    if (!el || el === document.body) return false;
    return /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName) || el.isContentEditable;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    if (event.defaultPrevented || typingIn(document.activeElement)) return;
    if (event.key === "/") {
      var search = document.getElementById("q");
      if (search) {
        event.preventDefault();
        search.focus();
        search.select();
      }
      return;
    }
    if (!/^[a-z]$/i.test(event.key)) return;
    var target = document.querySelector('[data-shortcut="' + event.key.toLowerCase() + '"]');
    if (!target || target.disabled) return;
    event.preventDefault();
    if (/^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) {
      target.focus();
      if (target.select) target.select();
    } else {
      // A key pressed right after an action can reach a button that htmx has just
      // swapped in and not yet wired: the click would post the form without htmx and
      // reload the page. Wire it first (htmx.process is idempotent).
      if (window.htmx) window.htmx.process(target.form || target);
      target.focus();
      target.click();
    }
  });
})();
