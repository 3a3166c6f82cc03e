// OPD Token: the little the pages need beyond htmx. htmx does the work; this file
// tells staff when it cannot, adds the "/" shortcut for the token search, and does
// what inline handlers would do elsewhere: the Content-Security-Policy allows no
// inline script, no onclick/onchange and no htmx trigger filter (htmx would eval it).
(function () {
  "use strict";

  var POLL_MS = 5000;

  // Regions marked data-poll refresh every 5 s (hx-trigger "refreshDue"), except
  // while someone works in them: focus inside the region (or inside the element
  // data-poll names), or a "More" menu open. A refresh would snatch it away.
  function busy(region) {
    var watched = region.dataset.poll ? document.querySelector(region.dataset.poll) : region;
    var active = document.activeElement;
    if (watched && active && active !== document.body && watched.contains(active)) return true;
    return region.querySelector("details[open]") !== null;
  }

  setInterval(function () {
    if (!window.htmx) return;
    document.querySelectorAll("[data-poll]").forEach(function (region) {
      if (!busy(region)) window.htmx.trigger(region, "refreshDue");
    });
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
    var status = event.detail.xhr.status;
    if (status === 403) notice("You are not allowed to do that.");
    else if (status === 404) notice("That token or page no longer exists. The lists refresh in a moment.");
    else notice("Something went wrong (" + status + "). Nothing was changed; please try again.");
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful) notice("");
  });

  // A session that expired mid-shift: htmx would follow the redirect and paint the
  // sign-in form inside a table. Go to the sign-in page instead.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var url = event.detail.xhr.responseURL || "";
    if (url.indexOf("/login/") !== -1) {
      event.detail.shouldSwap = false;
      window.location.assign(url);
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var tag = (document.activeElement && document.activeElement.tagName) || "";
    if (/^(INPUT|TEXTAREA|SELECT)$/.test(tag)) return;
    var search = document.getElementById("q");
    if (search) {
      event.preventDefault();
      search.focus();
      search.select();
    }
  });
})();
