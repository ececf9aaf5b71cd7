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
