/* Progressive enhancement for every page. Each feature works without this file:
   the menu and the filter drawers open as the page's :target, and a harmful action
   shows the server's confirmation page. */
(function () {
  "use strict";

  // Links with data-toggle="<id>" become buttons that open and close that element.
  function makeToggles() {
    document.querySelectorAll("a[data-toggle]").forEach(function (link) {
      var target = document.getElementById(link.dataset.toggle);
      if (!target) { return; }
      var button = document.createElement("button");
      button.type = "button";
      button.className = link.className;
      button.textContent = link.textContent;
      button.dataset.toggle = target.id;
      button.setAttribute("aria-controls", target.id);
      button.setAttribute("aria-expanded", "false");
      link.replaceWith(button);
      button.addEventListener("click", function () { toggle(target); });
    });
  }

  function toggle(target) {
    var open = !target.classList.contains("open");
    target.classList.toggle("open", open);
    document.querySelectorAll('[aria-controls="' + target.id + '"]').forEach(function (b) {
      b.setAttribute("aria-expanded", String(open));
    });
  }

  // A form or submit button with data-confirm asks with the browser's dialog; when the
  // person agrees, confirm=1 goes along and the server skips its confirmation page.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter;
    var message = (submitter && submitter.dataset.confirm) || form.dataset.confirm;
    if (!message) { return; }
    if (!window.confirm(message)) {
      event.preventDefault();
      return;
    }
    var flag = form.querySelector('input[name="confirm"]') || document.createElement("input");
    flag.type = "hidden";
    flag.name = "confirm";
    flag.value = "1";
    form.appendChild(flag);
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", makeToggles);
  } else {
    makeToggles();
  }
}());
