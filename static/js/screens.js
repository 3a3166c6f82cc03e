// OPD Token: polled regions that cost nothing when nothing changed. Each htmx GET
// sends back the ETag of the last answer its region got; the server answers 304 while
// the doctor-days behind it are unchanged, and htmx keeps the region as it is (the
// htmx-config in base.html does not swap a 304). See tokens/pages/screens.py.
(function () {
  "use strict";

  var etags = new Map();

  // A region is its request's address and its HX-Target: the same pair htmx sends,
  // read from the request's own headers on the way out and on the way back.
  function key(path, headers) {
    return (path || "") + "#" + ((headers && headers["HX-Target"]) || "");
  }

  document.addEventListener("htmx:configRequest", function (event) {
    var detail = event.detail;
    if (detail.verb !== "get") return;
    // A page may seed a region's first poll with the ETag of what it just rendered
    // (the desk's pulse: data-etag), so that the poll is a 304 unless it changed.
    var etag = etags.get(key(detail.path, detail.headers)) || detail.elt.dataset.etag;
    if (etag) detail.headers["If-None-Match"] = etag;
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var detail = event.detail;
    var config = detail.requestConfig;
    if (!config || config.verb !== "get" || !detail.xhr) return;
    var etag = detail.xhr.getResponseHeader("ETag");
    var k = key(config.path, config.headers);
    if (etag) etags.set(k, etag);
    else if (detail.xhr.status !== 304) etags.delete(k);
  });
})();
