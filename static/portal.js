// Progressive enhancement only: every control also works without this file.
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el.classList && el.classList.contains("autosubmit") && el.form) {
    el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit();
  }
});
document.documentElement.classList.add("js");
// Copy buttons: <button data-copy="#input-id"> copies that field's value.
document.addEventListener("click", function (event) {
  var button = event.target.closest ? event.target.closest("[data-copy]") : null;
  if (!button) { return; }
  var field = document.querySelector(button.getAttribute("data-copy"));
  if (!field) { return; }
  field.select();
  if (navigator.clipboard) { navigator.clipboard.writeText(field.value); } else { document.execCommand("copy"); }
  button.classList.add("copied");
});
// An HTMX request that failed (an error status, or no answer at all) swaps nothing: say so, in the
// page's language (base.html carries the texts), instead of leaving the form looking as if it worked.
function requestFailed(kind) {
  var box = document.getElementById("request-failed");
  if (!box) { return; }
  box.textContent = box.getAttribute("data-" + kind);
  box.hidden = false;
}
document.addEventListener("htmx:responseError", function (event) {
  requestFailed(event.detail.xhr && event.detail.xhr.status === 503 ? "busy" : "failed");
});
document.addEventListener("htmx:sendError", function () { requestFailed("offline"); });
document.addEventListener("htmx:beforeRequest", function (event) {
  // The user tries again: the old notice goes (background refreshes are GETs and leave it).
  var config = event.detail.requestConfig, box = document.getElementById("request-failed");
  if (box && config && config.verb !== "get") { box.hidden = true; }
});
