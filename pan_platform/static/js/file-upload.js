// Progressive enhancement of the file upload forms (marked data-upload-progress): files
// can be dropped on the drop zone, the chosen files are listed, and the form is sent with
// XMLHttpRequest so a progress bar shows the upload. Without this script the forms work
// as plain multipart forms. The answer (the page the server redirects to, or the form with
// its errors) replaces the current page, as a normal submission would.
(function () {
  "use strict";

  function listChosen(input, status) {
    var names = Array.prototype.map.call(input.files || [], function (f) { return f.name; });
    status.textContent = names.join(", ");
  }

  function enhanceDropZone(zone, input, status) {
    var hint = zone.querySelector(".drop-hint");
    if (hint) { hint.hidden = false; }
    zone.addEventListener("dragover", function (event) {
      event.preventDefault();
      zone.classList.add("drag-over");
    });
    zone.addEventListener("dragleave", function () { zone.classList.remove("drag-over"); });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      zone.classList.remove("drag-over");
      if (!event.dataTransfer || !event.dataTransfer.files.length) { return; }
      // Merge with the files already chosen: dropping several times adds them.
      var merged = new DataTransfer();
      Array.prototype.forEach.call(input.files || [], function (f) { merged.items.add(f); });
      Array.prototype.forEach.call(event.dataTransfer.files, function (f) { merged.items.add(f); });
      input.files = merged.files;
      listChosen(input, status);
    });
    input.addEventListener("change", function () { listChosen(input, status); });
  }

  function replacePage(xhr) {
    var html = xhr.responseText;
    history.replaceState(null, "", xhr.responseURL || window.location.href);
    document.open();
    document.write(html);
    document.close();
  }

  function sendWithProgress(form, bar, status, button) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var xhr = new XMLHttpRequest();
      xhr.open(form.method || "POST", form.action || window.location.href);
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) {
          bar.hidden = false;
          bar.value = Math.round((e.loaded / e.total) * 100);
        }
      });
      xhr.addEventListener("load", function () { replacePage(xhr); });
      xhr.addEventListener("error", function () {
        status.textContent = form.getAttribute("data-upload-error") || "Upload failed.";
        if (button) { button.disabled = false; }
      });
      if (button) { button.disabled = true; }
      bar.hidden = false;
      bar.value = 0;
      xhr.send(new FormData(form));
    });
  }

  document.querySelectorAll("form[data-upload-progress]").forEach(function (form) {
    var input = form.querySelector("input[type=file][multiple]");
    var zone = form.querySelector(".drop-zone");
    var bar = form.querySelector("progress.upload-progress");
    var status = form.querySelector(".upload-status");
    if (!input || !bar || !status || typeof FormData === "undefined") { return; }
    if (zone) { enhanceDropZone(zone, input, status); }
    sendWithProgress(form, bar, status, form.querySelector("button[type=submit]"));
  });
})();
