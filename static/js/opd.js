// OPD Token: the little the pages need beyond htmx. htmx does the work; this file
// tells staff when it cannot, and adds the "/" shortcut for the token search.
(function () {
  "use strict";

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
