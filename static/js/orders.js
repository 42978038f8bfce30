/* Order lookup helpers, no build step: "/" focuses the search box; a section that fails to load says so. */
(function () {
  "use strict";

  function typing(target) {
    if (!target) return false;
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  document.addEventListener("keydown", function (event) {
    var box = document.getElementById("global-search");
    if (!box) return;
    if (event.key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey && !typing(event.target)) {
      event.preventDefault();
      box.focus();
      box.select();
    } else if (event.key === "Escape" && event.target === box) {
      var panel = document.getElementById("search-suggestions");
      if (panel) panel.innerHTML = "";
    }
  });

  // A button with data-remove-closest="article" removes its enclosing article (the Close of an htmx form),
  // instead of an inline handler the Content-Security-Policy would refuse.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-remove-closest]");
    if (!button) return;
    var box = button.closest(button.getAttribute("data-remove-closest"));
    if (box) box.remove();
  });

  document.addEventListener("click", function (event) {
    var panel = document.getElementById("search-suggestions");
    if (panel && panel.innerHTML && !event.target.closest(".global-search")) panel.innerHTML = "";
  });

  function sectionFailed(event) {
    var el = event.detail && event.detail.elt;
    if (!el || !el.classList || !el.classList.contains("section-body")) return;
    var name = el.getAttribute("data-section") || "This section";
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    el.innerHTML = "";
    var p = document.createElement("p");
    p.className = "flash flash-error";
    p.setAttribute("role", "alert");
    p.textContent = name + " could not be loaded" + (status ? " (error " + status + ")" : " (no connection)") + ". ";
    var retry = document.createElement("button");
    retry.type = "button";
    retry.className = "secondary small";
    retry.textContent = "Try again";
    var reload = el.getAttribute("data-reload-event");  // the event name comes from dashboard/htmx.py
    retry.addEventListener("click", function () { window.htmx.trigger(el, reload); });
    p.appendChild(retry);
    el.appendChild(p);
  }
  document.addEventListener("htmx:responseError", sectionFailed);
  document.addEventListener("htmx:sendError", sectionFailed);
})();
