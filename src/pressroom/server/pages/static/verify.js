// The verify page's drop box: a file dropped on it is put in the form's file input, whose change
// sends the form (htmx), exactly as choosing the file does.
(function () {
  const form = document.getElementById("verify-form");
  if (!form) return;
  const input = document.getElementById("verify-file");
  form.addEventListener("dragover", (event) => { event.preventDefault(); form.classList.add("over"); });
  form.addEventListener("dragleave", () => form.classList.remove("over"));
  form.addEventListener("drop", (event) => {
    event.preventDefault();
    form.classList.remove("over");
    if (!event.dataTransfer || !event.dataTransfer.files.length) return;
    input.files = event.dataTransfer.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  });
})();
