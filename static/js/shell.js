/* The layout's behaviour, no build step: the phone menu button and the light/dark/system theme choice. */
(function () {
  "use strict";

  var STORAGE_KEY = "theme";

  function storedTheme() {
    try {
      var value = window.localStorage.getItem(STORAGE_KEY);
      return value === "light" || value === "dark" ? value : "system";
    } catch (e) {
      return "system";
    }
  }

  function applyTheme(choice) {
    var root = document.documentElement;
    if (choice === "light" || choice === "dark") root.setAttribute("data-theme", choice);
    else root.removeAttribute("data-theme");
    try {
      if (choice === "system") window.localStorage.removeItem(STORAGE_KEY);
      else window.localStorage.setItem(STORAGE_KEY, choice);
    } catch (e) {
      /* storage blocked: the choice lasts for this page only */
    }
  }

  function setMenu(button, open) {
    var panel = document.getElementById(button.getAttribute("aria-controls"));
    button.setAttribute("aria-expanded", open ? "true" : "false");
    if (panel) panel.classList.toggle("is-open", open);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-theme-choice]").forEach(function (select) {
      select.value = storedTheme();
      select.addEventListener("change", function () {
        applyTheme(select.value);
      });
    });
    document.querySelectorAll(".menu-toggle[aria-controls]").forEach(function (button) {
      button.addEventListener("click", function () {
        setMenu(button, button.getAttribute("aria-expanded") !== "true");
      });
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll('.menu-toggle[aria-expanded="true"]').forEach(function (button) {
      setMenu(button, false);
      button.focus();
    });
  });
})();
