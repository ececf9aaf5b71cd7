// Compare an image with an earlier one (its parent, or another ancestor): side by side or laid
// over each other, zoom and pan kept in step on both. The wheel or the buttons zoom, a drag
// pans; the overlay's slider sets how much of the earlier image shows through.
(() => {
  const box = document.getElementById("compare");
  if (!box) return;
  const views = [...box.querySelectorAll(".view img")];
  const readout = box.querySelector(".zoom");
  let scale = 1, x = 0, y = 0;
  function apply() {
    for (const img of views) img.style.transform = `translate(${x}px, ${y}px) scale(${scale})`;
    readout.textContent = `${Math.round(scale * 100)} %`;
  }
  function zoom(by) { scale = Math.min(16, Math.max(1, scale * by)); if (scale === 1) { x = 0; y = 0; } apply(); }
  box.querySelector("[data-zoom=in]").addEventListener("click", () => zoom(1.5));
  box.querySelector("[data-zoom=out]").addEventListener("click", () => zoom(1 / 1.5));
  box.querySelector("[data-zoom=reset]").addEventListener("click", () => { scale = 1; x = 0; y = 0; apply(); });
  for (const view of box.querySelectorAll(".view")) {
    view.addEventListener("wheel", (event) => { event.preventDefault(); zoom(event.deltaY < 0 ? 1.25 : 0.8); }, { passive: false });
    let from = null;
    view.addEventListener("pointerdown", (event) => { from = [event.clientX - x, event.clientY - y]; view.setPointerCapture(event.pointerId); });
    view.addEventListener("pointermove", (event) => { if (from) { x = event.clientX - from[0]; y = event.clientY - from[1]; apply(); } });
    view.addEventListener("pointerup", () => { from = null; });
  }
  const modes = box.querySelectorAll("input[name=compare-mode]");
  const fade = box.querySelector("#overlay-opacity"), over = box.querySelector(".view.over");
  function mode() {
    box.dataset.mode = box.querySelector("input[name=compare-mode]:checked").value;
    fade.disabled = box.dataset.mode !== "overlay";
  }
  modes.forEach((input) => input.addEventListener("change", mode));
  fade.addEventListener("input", () => { over.style.opacity = fade.value / 100; });
  over.style.opacity = fade.value / 100;
  mode();
})();
