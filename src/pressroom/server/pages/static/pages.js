// Shared by every page: a refusal (a 4xx fragment carrying the service layer's message, or a 503
// when the ledger is away) is shown
// where the page says refusals go (data-refusals on the element that asked, or an ancestor)
// instead of replacing what the request would have updated.
document.addEventListener("htmx:beforeSwap", (event) => {
  if (event.detail.xhr.status < 400) return;
  const asker = event.detail.requestConfig && event.detail.requestConfig.elt;
  const holder = asker && asker.closest("[data-refusals]");
  if (holder) {
    event.detail.target = document.querySelector(holder.dataset.refusals);
    event.detail.swapOverride = "innerHTML";
  }
});

// Times in the viewer's own time zone and language: the server writes <time datetime="ISO">, each
// is shown as the reader's local date and time (what swaps in later is shown so too).
function localTimes(root) {
  for (const time of (root || document).querySelectorAll("time[datetime]:not([data-local])")) {
    const when = new Date(time.getAttribute("datetime"));
    if (isNaN(when)) continue;
    time.textContent = when.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
    time.dataset.local = "yes";
  }
}
document.addEventListener("DOMContentLoaded", () => localTimes());
document.addEventListener("htmx:afterSettle", (event) => localTimes(event.detail.elt));
