// OPD Token: polled regions that cost nothing when nothing changed. Each htmx GET
// sends back the ETag of the last answer its region got; the server answers 304 while
// the doctor-days behind it are unchanged, and htmx keeps the region as it is (the
// htmx-config in base.html does not swap a 304). See tokens/pages/screens.py.
(function () {
  "use strict";

  var etags = new Map();

  function key(detail) {
    var target = detail.target || detail.elt;
    return (detail.path || "") + "#" + ((target && target.id) || "");
  }

  document.addEventListener("htmx:configRequest", function (event) {
    var detail = event.detail;
    if (detail.verb !== "get") return;
    var etag = etags.get(key(detail));
    if (etag) detail.headers["If-None-Match"] = etag;
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var detail = event.detail;
    var config = detail.requestConfig;
    if (!config || config.verb !== "get" || !detail.xhr) return;
    var etag = detail.xhr.getResponseHeader("ETag");
    var k = key({ path: config.path, target: detail.target, elt: detail.elt });
    if (etag) etags.set(k, etag);
    else if (detail.xhr.status !== 304) etags.delete(k);
  });
})();
