/* Loaded in <head> without defer: applies the stored colour theme before the first paint, so a dark-mode user
   never sees a white flash. "system" (or nothing stored) leaves data-theme unset and Pico follows
   prefers-color-scheme. The choice itself is wired up in shell.js. */
(function () {
  "use strict";
  try {
    var choice = window.localStorage.getItem("theme");
    if (choice === "light" || choice === "dark") document.documentElement.setAttribute("data-theme", choice);
  } catch (e) {
    /* storage blocked: follow the system setting */
  }
})();
