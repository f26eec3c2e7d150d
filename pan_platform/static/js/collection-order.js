/* Drag to reorder the items of one's own collection. Optional: the "Move up" and "Move down"
   buttons do the same without JavaScript. The new order is sent as a form POST with the
   page's CSRF token; then the page reloads and shows the order that was kept. */
(function () {
  "use strict";
  function setup(list) {
    var token = list.querySelector("input[name=csrf_token]");
    var dragged = null;
    function entries() { return Array.prototype.slice.call(list.querySelectorAll(":scope > li[data-item-id]")); }
    entries().forEach(function (li) {
      li.draggable = true;
      li.addEventListener("dragstart", function (event) {
        dragged = li;
        li.classList.add("dragging");
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", li.getAttribute("data-item-id"));
      });
      li.addEventListener("dragend", function () { li.classList.remove("dragging"); });
    });
    list.addEventListener("dragover", function (event) {
      if (!dragged) { return; }
      event.preventDefault();
      var over = event.target.closest ? event.target.closest("li[data-item-id]") : null;
      if (!over || over === dragged || over.parentNode !== list) { return; }
      var box = over.getBoundingClientRect();
      list.insertBefore(dragged, event.clientY > box.top + box.height / 2 ? over.nextSibling : over);
    });
    list.addEventListener("drop", function (event) {
      if (!dragged) { return; }
      event.preventDefault();
      dragged = null;
      var body = new URLSearchParams();
      body.append("csrf_token", token ? token.value : "");
      body.append("order", entries().map(function (el) { return el.getAttribute("data-item-id"); }).join(","));
      fetch(list.getAttribute("data-order-url"), { method: "POST", body: body, credentials: "same-origin" })
        .then(function () { window.location.reload(); }, function () { window.location.reload(); });
    });
  }
  document.querySelectorAll("ol[data-order-url]").forEach(setup);
})();
